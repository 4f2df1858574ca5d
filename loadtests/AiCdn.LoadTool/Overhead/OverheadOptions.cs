namespace AiCdn.LoadTool.Overhead;

/// <summary>Settings of the <c>overhead</c> scenario: the same light workload to the origin and through the chain, interleaved.</summary>
public sealed record OverheadOptions
{
    /// <summary>The origin itself (the llm-mock), the baseline.</summary>
    public required Uri Direct { get; init; }

    /// <summary>The chain's entry (an edge).</summary>
    public required Uri Chain { get; init; }

    public required string ApiKey { get; init; }

    public string Model { get; init; } = "mock-gpt";

    /// <summary>Concurrent workers, each alternating direct and chain requests.</summary>
    public int Concurrency { get; init; } = 4;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public int Tokens { get; init; } = 32;

    public int TimeToFirstTokenMs { get; init; } = 50;

    public int TokenIntervalMs { get; init; } = 20;

    public int Prompts { get; init; } = 8;

    public bool Http2 { get; init; }

    public string Label { get; init; } = "chain";

    public IEnumerable<string> Problems()
    {
        if (Concurrency < 1)
        {
            yield return "concurrency must be at least 1";
        }

        if (Duration <= TimeSpan.Zero)
        {
            yield return "the duration must be positive";
        }

        if (Tokens < 2)
        {
            yield return "tokens must be at least 2 (an inter-chunk gap needs two chunks)";
        }
    }
}
