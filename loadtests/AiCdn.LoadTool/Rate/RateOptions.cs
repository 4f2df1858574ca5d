using System.Net;
using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Measurement;

namespace AiCdn.LoadTool.Rate;

/// <summary>Settings of the <c>rate</c> scenario: requests at a fixed arrival rate, whatever the answers' speed.</summary>
public sealed record RateOptions
{
    public required IReadOnlyList<Uri> Targets { get; init; }

    public required string ApiKey { get; init; }

    public string Model { get; init; } = "mock-gpt";

    /// <summary>Requests per second, all shards together.</summary>
    public double Rate { get; init; } = 100;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Sent at the same rate before the measured window, not recorded.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public RateMode Mode { get; init; } = RateMode.Mixed;

    /// <summary>A short completion: content chunks per request.</summary>
    public int Tokens { get; init; } = 16;

    public int TimeToFirstTokenMs { get; init; }

    public int TokenIntervalMs { get; init; }

    public int Prompts { get; init; } = 8;

    /// <summary>
    /// Requests in flight beyond which a scheduled request is not sent but counted as
    /// <c>client_saturated</c>: the bound keeps the tool inside its socket limit, and counting keeps it honest.
    /// </summary>
    public int MaxInFlight { get; init; } = 15_000;

    public IReadOnlyList<IPAddress> Sources { get; init; } = [];

    public Shard Shard { get; init; } = Shard.Single;

    public bool Http2 { get; init; }

    public IReadOnlyList<WatchedProcess> Watch { get; init; } = [];

    public DateTimeOffset? StartAt { get; init; }

    public string Label { get; init; } = "target";

    public IEnumerable<string> Problems()
    {
        if (Targets.Count == 0)
        {
            yield return "at least one target URL is required";
        }

        if (Rate <= 0)
        {
            yield return "the rate must be positive";
        }

        if (Duration <= TimeSpan.Zero)
        {
            yield return "the duration must be positive";
        }

        if (Tokens < 1)
        {
            yield return "tokens must be at least 1";
        }

        if (MaxInFlight < 1)
        {
            yield return "max in-flight must be at least 1";
        }
    }
}
