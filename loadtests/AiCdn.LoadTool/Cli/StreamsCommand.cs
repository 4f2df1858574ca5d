using System.ComponentModel;
using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Streams;
using Spectre.Console.Cli;

namespace AiCdn.LoadTool.Cli;

/// <summary><c>streams</c>: hold N slow SSE streams at once and check every chunk.</summary>
public sealed class StreamsCommand : AsyncCommand<StreamsCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        [CommandOption("-n|--streams <N>")]
        [Description("Concurrent streams, all shards together.")]
        [DefaultValue(500)]
        public int Streams { get; init; } = 500;

        [CommandOption("--open-rate <PER_S>")]
        [Description("Streams opened per second (the ramp).")]
        [DefaultValue(500.0)]
        public double OpenRate { get; init; } = 500;

        [CommandOption("--hold <SECONDS>")]
        [Description("How long all streams are held open at once.")]
        [DefaultValue(10.0)]
        public double Hold { get; init; } = 10;

        [CommandOption("--token-interval-ms <MS>")]
        [Description("Gap between tokens of a stream (slow pacing).")]
        [DefaultValue(2000)]
        public int TokenIntervalMs { get; init; } = 2000;

        [CommandOption("--ttft-ms <MS>")]
        [DefaultValue(0)]
        public int TtftMs { get; init; }

        [CommandOption("--warmup <SECONDS>")]
        [Description("Time before the ramp: short warm-up streams, then the idle memory baseline.")]
        [DefaultValue(5.0)]
        public double Warmup { get; init; } = 5;

        [CommandOption("--warmup-streams <N>")]
        [DefaultValue(50)]
        public int WarmupStreams { get; init; } = 50;

        [CommandOption("--grace <SECONDS>")]
        [Description("How long past its planned end a stream may take before it counts as failed.")]
        [DefaultValue(60.0)]
        public double Grace { get; init; } = 60;

        public StreamsOptions ToOptions() => new()
        {
            Targets = TargetUris,
            ApiKey = ApiKey,
            Model = Model,
            Prompts = Prompts,
            Streams = Streams,
            OpenRate = OpenRate,
            Hold = TimeSpan.FromSeconds(Hold),
            TokenIntervalMs = TokenIntervalMs,
            TimeToFirstTokenMs = TtftMs,
            Warmup = TimeSpan.FromSeconds(Warmup),
            WarmupStreams = WarmupStreams,
            Grace = TimeSpan.FromSeconds(Grace),
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
        var scenario = new StreamsScenario(settings.ToOptions(), TimeProvider.System);
        return ScenarioRunner.RunAsync(settings, scenario.Live, scenario.RunAsync, cancellationToken);
    }
}
