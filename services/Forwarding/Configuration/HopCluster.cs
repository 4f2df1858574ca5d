using System.Security.Authentication;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.Forwarding.Configuration;

/// <summary>What one hop's cluster has of its own; <see cref="HopProxyConfig.Cluster"/> adds what both hops share.</summary>
public sealed class HopCluster
{
    public required string Id { get; init; }

    /// <summary>Destination ids are this and an index (<c>core-0</c>, <c>core-1</c>), in the order of <see cref="Addresses"/>.</summary>
    public required string DestinationPrefix { get; init; }

    public required IEnumerable<string> Addresses { get; init; }

    /// <summary>Activity timeout and HTTP version; response buffering is always off.</summary>
    public required ForwarderRequestConfig Request { get; init; }

    /// <summary>Interval, timeout and path of the active health check; null: passive checks only.</summary>
    public ActiveHealthCheckConfig? Probe { get; init; }

    /// <summary>TLS versions offered to https destinations; null: the system's.</summary>
    public SslProtocols? SslProtocols { get; init; }

    /// <summary>One of YARP's <c>HealthCheckConstants.AvailableDestinations</c>; null: YARP's default (healthy and unknown only).</summary>
    public string? AvailableDestinationsPolicy { get; init; }
}
