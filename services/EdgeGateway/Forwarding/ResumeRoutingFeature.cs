namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>State of a resume being routed to the core that holds its stream.</summary>
public sealed class ResumeRoutingFeature
{
    /// <summary>Other cores remain to be asked if this one does not have the stream.</summary>
    public bool MoreCandidates { get; set; }

    /// <summary>This core answered 404: its answer was held back so the next core can be asked.</summary>
    public bool NotHere { get; set; }
}
