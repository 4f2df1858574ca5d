using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Accounting;

namespace AiCdn.CoreRelay.Admission;

/// <summary>What admission learnt about a request, and what the later stages record for settling it.</summary>
public sealed class RelayFeature(ChatRequestSummary summary, AuthorizeDecision decision, int estimatedPromptTokens, long startTimestamp)
{
    public ChatRequestSummary Summary { get; } = summary;

    public AuthorizeDecision Decision { get; } = decision;

    /// <summary>Prompt tokens as the core counted them (used when the origin reports no usage).</summary>
    public int EstimatedPromptTokens { get; } = estimatedPromptTokens;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the core received the request.</summary>
    public long StartTimestamp { get; } = startTimestamp;

    /// <summary>The core asked the origin for usage on the client's behalf: its usage chunk must not reach the client.</summary>
    public bool DropUsageChunk { get; set; }

    public RelayAccounting Accounting { get; } = new();

    /// <summary>Set by failover for each attempt: another origin may still be tried.</summary>
    public bool CanRetry { get; set; }

    /// <summary>The origin's status when an attempt failed in a way another origin may fix (5xx, 429).</summary>
    public int? RetryableStatus { get; set; }

    /// <summary>The origin's <c>Retry-After</c> on that failure.</summary>
    public TimeSpan? RetryAfter { get; set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the current attempt was sent.</summary>
    public long AttemptTimestamp { get; set; }

    /// <summary>How long auth-quota took to decide.</summary>
    public TimeSpan AuthDuration { get; init; }

    /// <summary>Time from sending the (successful) attempt to the origin's response headers.</summary>
    public TimeSpan OriginLatency { get; set; }
}
