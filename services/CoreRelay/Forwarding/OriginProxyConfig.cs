using AiCdn.Forwarding.Configuration;
using AiCdn.Forwarding.Health;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>The YARP route and cluster the core forwards through, built from <see cref="CoreRelayOptions"/>.</summary>
public static class OriginProxyConfig
{
    public const string ClusterId = "llm-origins";
    public const string RouteId = "openai-api";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(CoreRelayOptions options)
    {
        UpstreamAddressList.TryParse(options.Origins, OriginAddresses(options.OriginPort), out var origins, out _);

        var route = new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = "/v1/{**catch-all}" },
            Transforms =
            [
                // The origin has no use for the client's address; keep it inside the CDN.
                new Dictionary<string, string> { ["X-Forwarded"] = "Off" },
            ],
        };

        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
            Destinations = origins
                .Select((uri, i) => (Id: $"origin-{i}", Config: new DestinationConfig { Address = uri.ToString() }))
                .ToDictionary(d => d.Id, d => d.Config),
            HttpRequest = new ForwarderRequestConfig
            {
                // A stream may legitimately run for many minutes; only silence between chunks is cut,
                // by the relay stream (which ends it with an error event). YARP's own activity timeout
                // is a backstop behind it.
                ActivityTimeout = options.StreamIdleTimeout + TimeSpan.FromSeconds(30),
                AllowResponseBuffering = false,

                // YARP's default (HTTP/2 or lower) gives HTTP/1.1 on cleartext; h2c needs prior knowledge.
                Version = options.OriginProtocol == "h2c" ? System.Net.HttpVersion.Version20 : null,
                VersionPolicy = options.OriginProtocol == "h2c" ? HttpVersionPolicy.RequestVersionExact : null,
            },
            HealthCheck = new HealthCheckConfig
            {
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = DestinationFaultPolicy.PolicyName,
                    ReactivationPeriod = TimeSpan.FromSeconds(30),
                },
                Active = string.IsNullOrEmpty(options.OriginHealthCheckPath) ? null : new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.OriginHealthCheckInterval,
                    Timeout = TimeSpan.FromSeconds(5),
                    Policy = ProbeRecoveryPolicy.PolicyName,
                    Path = options.OriginHealthCheckPath,
                },
            },
            HttpClient = new HttpClientConfig
            {
                EnableMultipleHttp2Connections = true,
            },
        };

        return ([route], [cluster]);
    }

    /// <summary>
    /// How <c>LLM_SOURCE_HOST</c> is read: full URLs, base path included, or the original's bare hosts
    /// and <c>host:port</c>, with <c>LLM_SOURCE_PORT</c> for hosts given without one.
    /// </summary>
    public static UpstreamAddressRules OriginAddresses(int originPort) => new()
    {
        Setting = "CoreRelay:Origins (LLM_SOURCE_HOST)",
        Noun = "origin",
        DefaultPort = originPort,
        HttpsPort = 443,
        AllowPath = true,
    };
}
