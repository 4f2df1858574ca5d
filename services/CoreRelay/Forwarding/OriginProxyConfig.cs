using System.Net;
using AiCdn.Forwarding.Configuration;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>The YARP route and cluster the core forwards through, built from <see cref="CoreRelayOptions"/>.</summary>
public static class OriginProxyConfig
{
    public const string ClusterId = "llm-origins";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(CoreRelayOptions options)
    {
        UpstreamAddressList.TryParse(options.Origins, OriginAddresses(options.OriginPort), out var origins, out _);

        var route = HopProxyConfig.Route(ClusterId) with
        {
            // The origin has no use for the client's address; keep it inside the CDN.
            Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Off" }],
        };

        var h2c = options.OriginProtocol == "h2c";
        var cluster = HopProxyConfig.Cluster(new HopCluster
        {
            Id = ClusterId,
            DestinationPrefix = "origin",
            Addresses = origins.Select(uri => uri.ToString()),
            Request = new ForwarderRequestConfig
            {
                // A stream may legitimately run for many minutes; only silence between chunks is cut,
                // by the relay stream (which ends it with an error event). YARP's own activity timeout
                // is a backstop behind it.
                ActivityTimeout = options.StreamIdleTimeout + TimeSpan.FromSeconds(30),

                // YARP's default (HTTP/2 or lower) gives HTTP/1.1 on cleartext; h2c needs prior knowledge.
                Version = h2c ? HttpVersion.Version20 : null,
                VersionPolicy = h2c ? HttpVersionPolicy.RequestVersionExact : null,
            },
            Probe = string.IsNullOrEmpty(options.OriginHealthCheckPath) ? null : new ActiveHealthCheckConfig
            {
                Interval = options.OriginHealthCheckInterval,
                Timeout = TimeSpan.FromSeconds(5),
                Path = options.OriginHealthCheckPath,
            },
        });

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
