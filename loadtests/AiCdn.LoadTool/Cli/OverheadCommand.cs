using System.ComponentModel;
using AiCdn.LoadTool.Overhead;
using Spectre.Console.Cli;

namespace AiCdn.LoadTool.Cli;

/// <summary><c>overhead</c>: the same light load to the origin and through the chain, interleaved.</summary>
public sealed class OverheadCommand : AsyncCommand<OverheadCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        [CommandOption("--direct <URL>")]
        [Description("Base URL of the origin itself (the llm-mock).")]
        public string? Direct { get; init; }

        [CommandOption("-c|--concurrency <N>")]
        [DefaultValue(4)]
        public int Concurrency { get; init; } = 4;

        [CommandOption("-d|--duration <SECONDS>")]
        [DefaultValue(30.0)]
        public double Duration { get; init; } = 30;

        [CommandOption("--warmup <SECONDS>")]
        [DefaultValue(5.0)]
        public double Warmup { get; init; } = 5;

        [CommandOption("--tokens <N>")]
        [DefaultValue(32)]
        public int Tokens { get; init; } = 32;

        [CommandOption("--ttft-ms <MS>")]
        [DefaultValue(50)]
        public int TtftMs { get; init; } = 50;

        [CommandOption("--token-interval-ms <MS>")]
        [DefaultValue(20)]
        public int TokenIntervalMs { get; init; } = 20;

        public OverheadOptions ToOptions() => new()
        {
            Direct = ParseTargets([Direct ?? string.Empty])[0],
            Chain = TargetUris[0],
            ApiKey = ApiKey,
            Model = Model,
            Prompts = Prompts,
            Concurrency = Concurrency,
            Duration = TimeSpan.FromSeconds(Duration),
            Warmup = TimeSpan.FromSeconds(Warmup),
            Tokens = Tokens,
            TimeToFirstTokenMs = TtftMs,
            TokenIntervalMs = TokenIntervalMs,
            Http2 = Http2,
            Label = Label,
        };

        protected override IEnumerable<string> MoreProblems()
        {
            if (string.IsNullOrWhiteSpace(Direct) || !Uri.TryCreate(Direct, UriKind.Absolute, out var direct) || !direct.IsLoopback)
            {
                return ["--direct must be the origin's loopback base URL"];
            }

            return TargetUris.Count == 0 ? [] : ToOptions().Problems();
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var scenario = new OverheadScenario(settings.ToOptions(), TimeProvider.System);
        return ScenarioRunner.RunAsync(settings, scenario.Live, scenario.RunAsync, cancellationToken);
    }
}
