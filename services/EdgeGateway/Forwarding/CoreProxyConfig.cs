using System.Net;
using AiCdn.Forwarding.Configuration;
using AiCdn.Forwarding.Health;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>The YARP route and cluster from the edge to its cores.</summary>
public static class CoreProxyConfig
{
    public const string ClusterId = "cores";
    public const string RouteId = "openai-api";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(EdgeOptions options)
    {
        var transport = CoreTransports.TryParse(options.CoreTransport, out var parsed) ? parsed : CoreTransport.Http1;
        UpstreamAddressList.TryParse(options.CoreNodes, NodeAddresses(transport), out var cores, out _);

        var route = new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = "/v1/{**catch-all}" },
        };

        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
            Destinations = cores.Select((uri, i) => (Id: $"core-{i}", Config: new DestinationConfig { Address = uri.GetLeftPart(UriPartial.Authority) }))
                .ToDictionary(d => d.Id, d => d.Config),
            HttpRequest = new ForwarderRequestConfig
            {
                // Silence, not a cap on a stream's length; longer than the core's own idle timeout.
                ActivityTimeout = options.CoreActivityTimeout,
                AllowResponseBuffering = false,
                Version = transport == CoreTransport.Http1 ? HttpVersion.Version11 : HttpVersion.Version20,
                // h2c has no ALPN to negotiate with: HTTP/2 must be spoken from the first byte.
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            },
            HttpClient = new HttpClientConfig
            {
                EnableMultipleHttp2Connections = true,
                SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            },
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.CoreHealthInterval,
                    Timeout = options.CoreHealthTimeout,
                    Policy = ProbeRecoveryPolicy.PolicyName,
                    Path = options.CoreHealthPath,
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = DestinationFaultPolicy.PolicyName,
                    ReactivationPeriod = TimeSpan.FromSeconds(30),
                },
                // With every core marked down, still try them all rather than answer 503 outright.
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
            },
        };

        return ([route], [cluster]);
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
