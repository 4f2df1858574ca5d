using AiCdn.Common.Routing;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>What <see cref="CoreFailoverMiddleware"/> keeps for one client request across its attempts.</summary>
public sealed class CoreRetryState(int maxAttempts, ReplayableBody? body)
{
    /// <summary>How many cores this request may be sent to.</summary>
    public int MaxAttempts { get; } = maxAttempts;

    /// <summary>The copy of the body sent again to the next core; null when there is no other core or no body.</summary>
    public ReplayableBody? Body { get; } = body;

    /// <summary>The current attempt's name. Whatever a client sent as one is replaced: only the edge names attempts.</summary>
    public CoreAttempt Name { get; set; } = CoreAttempt.First();
}
