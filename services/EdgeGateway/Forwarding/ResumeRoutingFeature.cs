using Yarp.ReverseProxy.Model;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// A resume being routed to the core that holds its stream. <see cref="ResumeRoutingMiddleware"/> sets
/// <see cref="MoreCandidates"/> before each attempt; <see cref="EdgeTransforms"/> sets <see cref="NotHere"/>
/// when a core answered 404 and another may still be asked.
/// </summary>
public sealed class ResumeRoutingFeature(List<DestinationState> order)
{
    /// <summary>The cores to ask, in order: the one known to serve the stream's node first.</summary>
    public List<DestinationState> Order { get; } = order;

    /// <summary>Other cores remain to be asked if this one does not have the stream.</summary>
    public bool MoreCandidates { get; set; }

    /// <summary>This core answered 404: its answer was held back so the next core can be asked.</summary>
    public bool NotHere { get; set; }
}
