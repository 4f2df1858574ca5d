using AiCdn.Forwarding.Configuration;
using AiCdn.Forwarding.Health;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

namespace AiCdn.EdgeGateway.Tests.Unit;

/// <summary>Both hops' clusters balance, stream and judge health the same way, whatever each passes in.</summary>
public sealed class HopProxyConfigTests
{
    [Fact]
    public void Cluster_SharedPolicies_AppliedWhateverTheHopAsks()
    {
        var cluster = HopProxyConfig.Cluster(new HopCluster
        {
            Id = "next",
            DestinationPrefix = "hop",
            Addresses = ["http://a:1", "http://b:2"],
            Request = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(1), AllowResponseBuffering = true },
            Probe = new() { Interval = TimeSpan.FromSeconds(3), Path = "/health" },
        });

        Assert.Equal("next", cluster.ClusterId);
        Assert.Equal(LoadBalancingPolicies.PowerOfTwoChoices, cluster.LoadBalancingPolicy);
        Assert.Equal(["hop-0", "hop-1"], cluster.Destinations!.Keys.Order());
        Assert.Equal("http://b:2", cluster.Destinations["hop-1"].Address);
        Assert.False(cluster.HttpRequest!.AllowResponseBuffering);
        Assert.Equal(TimeSpan.FromMinutes(1), cluster.HttpRequest.ActivityTimeout);
        Assert.True(cluster.HttpClient!.EnableMultipleHttp2Connections);
        Assert.True(cluster.HealthCheck!.Passive!.Enabled);
        Assert.Equal(DestinationFaultPolicy.PolicyName, cluster.HealthCheck.Passive.Policy);
        Assert.True(cluster.HealthCheck.Active!.Enabled);
        Assert.Equal(ProbeRecoveryPolicy.PolicyName, cluster.HealthCheck.Active.Policy);
        Assert.Equal("/health", cluster.HealthCheck.Active.Path);
        Assert.Equal(TimeSpan.FromSeconds(3), cluster.HealthCheck.Active.Interval);
    }

    [Fact]
    public void Cluster_NoProbe_PassiveChecksOnly()
    {
        var cluster = HopProxyConfig.Cluster(new HopCluster
        {
            Id = "next",
            DestinationPrefix = "hop",
            Addresses = ["http://a:1"],
            Request = new ForwarderRequestConfig(),
        });

        Assert.Null(cluster.HealthCheck!.Active);
        Assert.True(cluster.HealthCheck.Passive!.Enabled);
    }

    [Fact]
    public void Route_OpenAiApi_GoesToTheCluster()
    {
        var route = HopProxyConfig.Route("next");

        Assert.Equal("next", route.ClusterId);
        Assert.Equal("/v1/{**catch-all}", route.Match.Path);
    }
}
