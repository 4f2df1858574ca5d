using System.Net;
using System.Security.Authentication;
using AiCdn.Forwarding.Configuration;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>The YARP route and cluster from the edge to its cores.</summary>
public static class CoreProxyConfig
{
    public const string ClusterId = "cores";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(EdgeOptions options)
    {
        var transport = CoreTransports.TryParse(options.CoreTransport, out var parsed) ? parsed : CoreTransport.Http1;
        UpstreamAddressList.TryParse(options.CoreNodes, NodeAddresses(transport), out var cores, out _);

        var cluster = HopProxyConfig.Cluster(new HopCluster
        {
            Id = ClusterId,
            DestinationPrefix = "core",
            Addresses = cores.Select(uri => uri.GetLeftPart(UriPartial.Authority)),
            Request = new ForwarderRequestConfig
            {
                // Silence, not a cap on a stream's length; longer than the core's own idle timeout.
                ActivityTimeout = options.CoreActivityTimeout,
                Version = transport == CoreTransport.Http1 ? HttpVersion.Version11 : HttpVersion.Version20,
                // h2c has no ALPN to negotiate with: HTTP/2 must be spoken from the first byte.
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            },
            Probe = new ActiveHealthCheckConfig
            {
                Interval = options.CoreHealthInterval,
                Timeout = options.CoreHealthTimeout,
                Path = options.CoreHealthPath,
            },
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            // With every core marked down, still try them all rather than answer 503 outright.
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        });

        return ([HopProxyConfig.Route(ClusterId)], [cluster]);
    }

    /// <summary>
    /// How <c>CORE_NODE_HOST</c> is read: the original's <c>host:port</c>, or URLs (and Aspire
    /// service-discovery names such as <c>http://_h2c.core-relay</c>). Paths are refused: the cluster
    /// signature covers the path the core sees.
    /// </summary>
    public static UpstreamAddressRules NodeAddresses(CoreTransport transport) => new()
    {
        Setting = "Edge:CoreNodes (CORE_NODE_HOST)",
        Noun = "core",
        DefaultScheme = transport == CoreTransport.H2 ? "https" : "http",
    };
}
