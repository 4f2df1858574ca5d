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

    /// <summary>The request id (the edge's x-request-id), method and path, kept for logging after the request is gone.</summary>
    public string RequestId { get; init; } = string.Empty;

    public string Method { get; init; } = string.Empty;

    public string Path { get; init; } = string.Empty;

    /// <summary>The metric route label.</summary>
    public string Route { get; init; } = "other";

    /// <summary>The request's server span.</summary>
    public System.Diagnostics.Activity? Activity { get; init; }

    /// <summary>The caller's key digest: the owner of a resumable stream.</summary>
    public string KeyHash { get; init; } = string.Empty;

    /// <summary>A streamed response gets a stream id, event ids and a replay buffer.</summary>
    public bool Resumable { get; init; }

    /// <summary>The resumable stream serving this request, once the origin answered.</summary>
    public Resumable.StreamSession? Session { get; set; }

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
