using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>The YARP route and cluster from the edge to its cores.</summary>
public static class CoreProxyConfig
{
    public const string ClusterId = "cores";
    public const string RouteId = "openai-api";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(EdgeOptions options)
    {
        var cores = options.CoreNodes
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(ToUrl)
            .ToList();

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
                ActivityTimeout = TimeSpan.FromMinutes(5),
                AllowResponseBuffering = false,
            },
            HttpClient = new HttpClientConfig { EnableMultipleHttp2Connections = true },
        };

        return ([route], [cluster]);
    }

    /// <summary>The original gave <c>host:port</c>; we also take URLs.</summary>
    public static string ToUrl(string node) => node.Contains("://", StringComparison.Ordinal) ? node : "http://" + node;
}
