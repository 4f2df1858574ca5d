using AiCdn.Forwarding.Health;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;

namespace AiCdn.Forwarding.Configuration;

/// <summary>
/// The route and cluster a relaying hop forwards the OpenAI API through. Both hops pick the less
/// loaded of two destinations, never buffer a response (a stream reaches the client as it is
/// written), spread HTTP/2 streams over several connections, and judge the next hop's health with
/// the same two policies, which count only faults of the next hop itself.
/// </summary>
public static class HopProxyConfig
{
    public const string RouteId = "openai-api";

    /// <summary>How long a passive mark-down lasts, unless a good probe ends it first (<see cref="ProbeRecoveryPolicy"/>).</summary>
    private static readonly TimeSpan s_reactivationPeriod = TimeSpan.FromSeconds(30);

    public static RouteConfig Route(string clusterId) => new()
    {
        RouteId = RouteId,
        ClusterId = clusterId,
        Match = new RouteMatch { Path = "/v1/{**catch-all}" },
    };

    public static ClusterConfig Cluster(HopCluster hop) => new()
    {
        ClusterId = hop.Id,
        LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
        Destinations = hop.Addresses
            .Select((address, i) => (Id: $"{hop.DestinationPrefix}-{i}", Config: new DestinationConfig { Address = address }))
            .ToDictionary(d => d.Id, d => d.Config),
        HttpRequest = hop.Request with { AllowResponseBuffering = false },
        HttpClient = new HttpClientConfig
        {
            EnableMultipleHttp2Connections = true,
            SslProtocols = hop.SslProtocols,
        },
        HealthCheck = new HealthCheckConfig
        {
            Active = hop.Probe is null ? null : hop.Probe with { Enabled = true, Policy = ProbeRecoveryPolicy.PolicyName },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = DestinationFaultPolicy.PolicyName,
                ReactivationPeriod = s_reactivationPeriod,
            },
            AvailableDestinationsPolicy = hop.AvailableDestinationsPolicy,
        },
    };
}
