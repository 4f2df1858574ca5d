using System.ComponentModel;
using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Rate;
using Spectre.Console.Cli;

namespace AiCdn.LoadTool.Cli;

/// <summary><c>rate</c>: a fixed arrival rate of short completions, latency measured from each request's due time.</summary>
public sealed class RateCommand : AsyncCommand<RateCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        [CommandOption("-r|--rate <PER_S>")]
        [Description("Requests per second, all shards together.")]
        [DefaultValue(100.0)]
        public double Rate { get; init; } = 100;

        [CommandOption("-d|--duration <SECONDS>")]
        [DefaultValue(30.0)]
        public double Duration { get; init; } = 30;

        [CommandOption("--warmup <SECONDS>")]
        [DefaultValue(5.0)]
        public double Warmup { get; init; } = 5;

        [CommandOption("--mode <MODE>")]
        [Description("stream, whole or mixed (alternating).")]
        [DefaultValue(RateMode.Mixed)]
        public RateMode Mode { get; init; } = RateMode.Mixed;

        [CommandOption("--tokens <N>")]
        [DefaultValue(16)]
        public int Tokens { get; init; } = 16;

        [CommandOption("--ttft-ms <MS>")]
        [DefaultValue(0)]
        public int TtftMs { get; init; }

        [CommandOption("--token-interval-ms <MS>")]
        [DefaultValue(0)]
        public int TokenIntervalMs { get; init; }

        [CommandOption("--max-in-flight <N>")]
        [DefaultValue(15000)]
        public int MaxInFlight { get; init; } = 15_000;

        public RateOptions ToOptions() => new()
        {
            Targets = TargetUris,
            ApiKey = ApiKey,
            Model = Model,
            Prompts = Prompts,
            Rate = Rate,
            Duration = TimeSpan.FromSeconds(Duration),
            Warmup = TimeSpan.FromSeconds(Warmup),
            Mode = Mode,
            Tokens = Tokens,
            TimeToFirstTokenMs = TtftMs,
            TokenIntervalMs = TokenIntervalMs,
            MaxInFlight = MaxInFlight,
            Sources = SourceAddresses.Parse(Sources),
            Shard = ShardValue,
            Http2 = Http2,
            Watch = WatchedProcesses,
            StartAt = StartAtValue,
            Label = Label,
        };

        protected override IEnumerable<string> MoreProblems() =>
            TargetUris.Count == 0 ? [] : ToOptions().Problems();
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var scenario = new RateScenario(settings.ToOptions(), TimeProvider.System);
        return ScenarioRunner.RunAsync(settings, scenario.Live, scenario.RunAsync, cancellationToken);
    }
}
