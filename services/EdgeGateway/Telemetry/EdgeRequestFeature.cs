namespace AiCdn.EdgeGateway.Telemetry;

/// <summary>Per-request facts the telemetry middleware reports when the request ends.</summary>
public sealed class EdgeRequestFeature
{
    /// <summary>Set when the edge itself refused the request (a limit, draining).</summary>
    public bool Rejected { get; set; }
}
