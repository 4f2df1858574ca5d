using AiCdn.CoreRelay.Forwarding;

namespace AiCdn.CoreRelay.Tests;

/// <summary>The core's cluster of origins: the original's host forms and full URLs, probes only where a path is given, no client address upstream.</summary>
public sealed class OriginProxyConfigTests
{
    [Fact]
    public void Build_OriginalAndUrlForms_BecomeOriginDestinations()
    {
        var options = new CoreRelayOptions { Origins = "llm, api.example.com:443 ,https://gateway.example/openai", OriginPort = 9000 };

        var (_, clusters) = OriginProxyConfig.Build(options);

        var destinations = Assert.Single(clusters).Destinations!;
        Assert.Equal("http://llm:9000/", destinations["origin-0"].Address);
        Assert.Equal("https://api.example.com/", destinations["origin-1"].Address);
        Assert.Equal("https://gateway.example/openai", destinations["origin-2"].Address);
    }

    [Theory]
    [InlineData("", "CoreRelay:Origins (LLM_SOURCE_HOST): at least one origin is required.")]
    [InlineData("llm,ftp://files", "CoreRelay:Origins (LLM_SOURCE_HOST): 'ftp://files' is neither an http(s) URL nor host[:port].")]
    public void Validate_BadOrigins_NamesTheVariable(string origins, string expected)
    {
        var result = new CoreRelayOptionsValidator().Validate(null, new CoreRelayOptions { Origins = origins });

        Assert.Equal(expected, Assert.Single(result.Failures!));
    }

    [Fact]
    public void Build_NoHealthPath_PassiveChecksOnly()
    {
        var (_, clusters) = OriginProxyConfig.Build(new CoreRelayOptions { OriginHealthCheckPath = null });

        Assert.Null(clusters[0].HealthCheck!.Active);
        Assert.True(clusters[0].HealthCheck!.Passive!.Enabled);
    }

    [Fact]
    public void Build_HealthPathAndH2c_ProbedAndHttp2Exactly()
    {
        var (_, clusters) = OriginProxyConfig.Build(new CoreRelayOptions { OriginHealthCheckPath = "/health", OriginProtocol = "h2c" });

        var cluster = clusters[0];
        Assert.True(cluster.HealthCheck!.Active!.Enabled);
        Assert.Equal("/health", cluster.HealthCheck.Active.Path);
        Assert.Equal(System.Net.HttpVersion.Version20, cluster.HttpRequest!.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, cluster.HttpRequest.VersionPolicy);
    }

    [Fact]
    public void Build_Route_DropsForwardedHeaders()
    {
        var (routes, _) = OriginProxyConfig.Build(new CoreRelayOptions());

        var transform = Assert.Single(Assert.Single(routes).Transforms!);
        Assert.Equal("Off", transform["X-Forwarded"]);
    }
}
