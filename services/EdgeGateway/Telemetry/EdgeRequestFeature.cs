namespace AiCdn.EdgeGateway.Telemetry;

/// <summary>Per-request facts the telemetry middleware reports when the request ends.</summary>
public sealed class EdgeRequestFeature
{
    /// <summary>Set when the edge itself refused the request (a limit, draining).</summary>
    public bool Rejected { get; set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the edge received the request.</summary>
    public long StartTimestamp { get; init; }

    /// <summary>The core's time to response headers, when the request reached a core.</summary>
    public TimeSpan? CoreLatency { get; set; }
}
