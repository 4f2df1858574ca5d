using System.Net;
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
        TryParseNodes(options.CoreNodes, out var cores, out _, transport);

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
            Destinations = cores.Select((url, i) => (Id: $"core-{i}", Config: new DestinationConfig { Address = url }))
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
    /// The original gave <c>host:port</c>; we also take URLs (and Aspire service-discovery names such as
    /// <c>http://_h2c.core-relay</c>). Paths are refused: the cluster signature covers the path the core sees.
    /// </summary>
    public static bool TryParseNodes(string? value, out List<string> urls, out string? error, CoreTransport transport = CoreTransport.Http1)
    {
        urls = [];
        error = null;
        var nodes = (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (nodes.Length == 0)
        {
            error = "at least one core is required.";
            return false;
        }

        foreach (var node in nodes)
        {
            var url = ToUrl(node, transport);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                error = $"'{node}' is not host:port or an http(s) URL.";
                return false;
            }

            if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
            {
                error = $"'{node}' has a path; give the core's scheme, host and port only.";
                return false;
            }

            urls.Add(uri.GetLeftPart(UriPartial.Authority));
        }

        return true;
    }

    public static string ToUrl(string node, CoreTransport transport = CoreTransport.Http1) =>
        node.Contains("://", StringComparison.Ordinal) ? node : (transport == CoreTransport.H2 ? "https://" : "http://") + node;
}
