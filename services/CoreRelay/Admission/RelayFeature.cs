using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Accounting;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// An admitted request: what admission decided (set once by <see cref="AuthorizationMiddleware"/>),
/// and what the relay learns while it runs, for settling it. Who writes what after admission:
/// the response transform records <see cref="OriginLatency"/> and feeds <see cref="Accounting"/>;
/// the resumable stream, when there is one, is <see cref="Session"/>.
/// </summary>
public sealed class RelayFeature(CoreRequestFeature identity, ChatRequestSummary summary, AuthorizeDecision decision, int estimatedPromptTokens)
{
    public ChatRequestSummary Summary { get; } = summary;

    public AuthorizeDecision Decision { get; } = decision;

    /// <summary>Prompt tokens as the core counted them (used when the origin reports no usage).</summary>
    public int EstimatedPromptTokens { get; } = estimatedPromptTokens;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the core received the request.</summary>
    public long StartTimestamp => identity.StartTimestamp;

    /// <summary>The request id (the edge's x-request-id), kept for logging after the request is gone.</summary>
    public string RequestId => identity.RequestId;

    /// <summary>The metric route label.</summary>
    public string Route => identity.Route;

    public string Method { get; init; } = string.Empty;

    public string Path { get; init; } = string.Empty;

    /// <summary>The request's server span.</summary>
    public System.Diagnostics.Activity? Activity { get; init; }

    /// <summary>The caller's key digest: the owner of a resumable stream.</summary>
    public string KeyHash { get; init; } = string.Empty;

    /// <summary>A streamed response gets a stream id, event ids and a replay buffer.</summary>
    public bool Resumable { get; init; }

    /// <summary>The core asked the origin for usage on the client's behalf: its usage chunk must not reach the client.</summary>
    public bool DropUsageChunk { get; init; }

    /// <summary>How long the quota decision took.</summary>
    public TimeSpan AuthDuration { get; init; }

    /// <summary>The resumable stream serving this request, once the origin answered.</summary>
    public Resumable.StreamSession? Session { get; set; }

    /// <summary>What the relay learnt from the origin's response (written by the relay streams).</summary>
    public RelayAccounting Accounting { get; } = new() { CountedPromptTokens = estimatedPromptTokens };

    /// <summary>Time from sending the attempt the client got to the origin's response headers.</summary>
    public TimeSpan OriginLatency { get; set; }
}
