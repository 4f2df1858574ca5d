using System.ComponentModel.DataAnnotations;

namespace AiCdn.LlmMock;

/// <summary>Defaults for generated completions; each can be overridden per request by an <c>x-mock-*</c> header.</summary>
public sealed class MockOptions
{
    public const string SectionName = "Mock";

    /// <summary>Time to first token (<c>x-mock-ttft-ms</c>).</summary>
    [Range(0, 600_000)]
    public int TimeToFirstTokenMs { get; set; } = 200;

    /// <summary>Gap between tokens (<c>x-mock-token-interval-ms</c>).</summary>
    [Range(0, 600_000)]
    public int TokenIntervalMs { get; set; } = 20;

    /// <summary>Completion length when the request sets no <c>max_tokens</c> (<c>x-mock-tokens</c>).</summary>
    [Range(1, 100_000)]
    public int DefaultCompletionTokens { get; set; } = 64;

    /// <summary>Upper bound on any completion's length.</summary>
    [Range(1, 1_000_000)]
    public int MaxCompletionTokens { get; set; } = 32_768;
}
