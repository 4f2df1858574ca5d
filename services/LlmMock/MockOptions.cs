using AiCdn.LlmMock.Faults;

namespace AiCdn.LlmMock;

/// <summary>
/// How the mock origin behaves. Pacing and length defaults can be overridden per request by the
/// <c>x-mock-*</c> headers; faults by <c>x-mock-fault</c>.
/// </summary>
public sealed class MockOptions
{
    public const string SectionName = "Mock";

    /// <summary>Time to first token (<c>x-mock-ttft-ms</c>, <c>MOCK_TTFT_MS</c>).</summary>
    public int TimeToFirstTokenMs { get; set; } = 200;

    /// <summary>Gap between tokens (<c>x-mock-token-interval-ms</c>, <c>MOCK_TOKEN_INTERVAL_MS</c>).</summary>
    public int TokenIntervalMs { get; set; } = 20;

    /// <summary>Completion length when the request sets no limit (<c>x-mock-tokens</c>, <c>MOCK_TOKENS</c>).</summary>
    public int DefaultCompletionTokens { get; set; } = 64;

    /// <summary>Upper bound on any one choice's length, whatever the request or headers ask.</summary>
    public int MaxCompletionTokens { get; set; } = 32_768;

    /// <summary>
    /// When set (<c>MOCK_API_KEY</c>), every <c>/v1</c> request must carry <c>Authorization: Bearer</c>
    /// this key, as a real origin's would; the core relay presents its origin key.
    /// </summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>How many recent requests <c>GET /mock/requests</c> keeps (the counters are unbounded).</summary>
    public int RequestLogCapacity { get; set; } = 1_000;

    /// <summary>Faults injected at random, for soak and reliability runs.</summary>
    public FaultOptions Faults { get; set; } = new();
}
