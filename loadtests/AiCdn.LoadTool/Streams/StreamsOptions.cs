using System.Net;
using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Measurement;

namespace AiCdn.LoadTool.Streams;

/// <summary>Settings of the <c>streams</c> scenario: open N slow SSE streams and hold them all at once.</summary>
public sealed record StreamsOptions
{
    /// <summary>Base URLs (an edge each); stream k goes to target k mod count.</summary>
    public required IReadOnlyList<Uri> Targets { get; init; }

    public required string ApiKey { get; init; }

    public string Model { get; init; } = "mock-gpt";

    /// <summary>Streams in the whole run (all shards together).</summary>
    public int Streams { get; init; } = 500;

    /// <summary>Streams opened per second (all shards together); the ramp lasts Streams / OpenRate.</summary>
    public double OpenRate { get; init; } = 500;

    /// <summary>How long every stream is held open at once after the ramp.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gap between two tokens of a stream: the "slow pacing".</summary>
    public int TokenIntervalMs { get; init; } = 2000;

    public int TimeToFirstTokenMs { get; init; }

    public int Prompts { get; init; } = 8;

    /// <summary>Short unpaced streams sent first (JIT, connection pools), not counted.</summary>
    public int WarmupStreams { get; init; } = 50;

    /// <summary>
    /// Time from the start to the ramp: the warm-up streams run in it, then the idle memory baseline is
    /// read just before the ramp. Fixed, so that every shard ramps at the same instant.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long past its planned end a stream may still take before it is cut and counted as failed.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(60);

    public IReadOnlyList<IPAddress> Sources { get; init; } = [];

    public Shard Shard { get; init; } = Shard.Single;

    public bool Http2 { get; init; }

    /// <summary>Processes of the chain whose memory and CPU are read (the shard that holds the list reads them).</summary>
    public IReadOnlyList<WatchedProcess> Watch { get; init; } = [];

    /// <summary>Common start time of all shards; now when null.</summary>
    public DateTimeOffset? StartAt { get; init; }

    public string Label { get; init; } = "target";

    public TimeSpan Ramp => TimeSpan.FromSeconds(Streams / OpenRate);

    /// <summary>Tokens per stream so that the first stream opened is still open when the hold ends.</summary>
    public int TokensPerStream =>
        (int)Math.Ceiling(Math.Max(0, (Ramp + Hold).TotalMilliseconds - TimeToFirstTokenMs) / TokenIntervalMs) + 1;

    public IEnumerable<string> Problems()
    {
        if (Targets.Count == 0)
        {
            yield return "at least one target URL is required";
        }

        if (Streams < 1)
        {
            yield return "streams must be at least 1";
        }

        if (OpenRate <= 0)
        {
            yield return "the open rate must be positive";
        }

        if (TokenIntervalMs < 1)
        {
            yield return "the token interval must be at least 1 ms (streams must be paced to be held)";
        }

        if (Hold <= TimeSpan.Zero)
        {
            yield return "the hold time must be positive";
        }

        if (Prompts < 1)
        {
            yield return "prompts must be at least 1";
        }
    }
}
