using AiCdn.Common.Hosting;
using AiCdn.EdgeGateway.Forwarding;
using AiCdn.EdgeGateway.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("30", "00:00:30")]
    [InlineData("30s", "00:00:30")]
    [InlineData("1500ms", "00:00:01.5000000")]
    [InlineData("2m", "00:02:00")]
    [InlineData("00:00:45", "00:00:45")]
    public void ToTimeSpanText_OperatorForms_BecomeTimeSpans(string value, string expected)
    {
        Assert.Equal(expected, DurationText.ToTimeSpanText(value));
    }

    [Fact]
    public void Validate_ManyProblems_ReportsEveryOne()
    {
        var options = new EdgeOptions
        {
            CoreNodes = "http://core:8080/prefix",
            CoreTransport = "spdy",
            ListenHttp = "not an address",
            ManagementListen = "",
            DrainTimeout = TimeSpan.Zero,
            Tls = new EdgeTlsOptions { CertificateFile = "/nonexistent/cert.pem" },
            Limits = new EdgeLimitsOptions { MaxConnections = 0, GlobalRequestsPerSecond = -1 },
        };

        var result = new EdgeOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        foreach (var expected in new[] { "CORE_NODE_HOST", "CoreTransport", "LISTEN_HTTP", "METRICS_PORT", "DRAIN_TIMEOUT", "TLS_KEY_FILE", "TLS_CERT_FILE", "MAX_CONNECTIONS", "RATE_LIMIT_GLOBAL" })
        {
            Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new EdgeOptionsValidator().Validate(null, new EdgeOptions()).Succeeded);
    }

    [Theory]
    [InlineData("core-a:8081", "http1", "http://core-a:8081")]
    [InlineData("core-a:8443", "h2", "https://core-a:8443")]
    [InlineData("http://_h2c.core-relay", "h2c", "http://_h2c.core-relay")]
    [InlineData("https://core-b:8443/", "h2", "https://core-b:8443")]
    public void Build_OriginalAndUrlForms_BecomeCoreAddresses(string node, string transport, string expected)
    {
        var (_, clusters) = CoreProxyConfig.Build(new EdgeOptions { CoreNodes = node, CoreTransport = transport });

        Assert.Equal(expected, Assert.Single(clusters[0].Destinations!.Values).Address);
    }

    [Theory]
    [InlineData("", "Edge:CoreNodes (CORE_NODE_HOST): at least one core is required.")]
    [InlineData("core-a:8081,ftp://core-b", "Edge:CoreNodes (CORE_NODE_HOST): 'ftp://core-b' is neither an http(s) URL nor host[:port].")]
    [InlineData("http://core-a:8081/v1", "Edge:CoreNodes (CORE_NODE_HOST): 'http://core-a:8081/v1' has a path; give the core's scheme, host and port only.")]
    public void Validate_BadCoreNodes_NamesTheSetting(string nodes, string expected)
    {
        var result = new EdgeOptionsValidator().Validate(null, new EdgeOptions { CoreNodes = nodes });

        Assert.Equal(expected, Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData(true, HttpProtocols.Http1AndHttp2AndHttp3)]
    [InlineData(false, HttpProtocols.Http1AndHttp2)]
    public void ForTls_QuicSupport_Http3OnlyWhenSupported(bool quicSupported, HttpProtocols expected)
    {
        Assert.Equal(expected, EdgeProtocols.ForTls(quicSupported));
    }

    [Fact]
    public void Build_H2c_RequestsHttp2Exactly()
    {
        var (_, clusters) = CoreProxyConfig.Build(new EdgeOptions { CoreNodes = "a:1,b:2", CoreTransport = "h2c" });

        var cluster = Assert.Single(clusters);
        Assert.Equal(System.Net.HttpVersion.Version20, cluster.HttpRequest!.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, cluster.HttpRequest.VersionPolicy);
        Assert.True(cluster.HttpClient!.EnableMultipleHttp2Connections);
        Assert.Equal(2, cluster.Destinations!.Count);
        Assert.True(cluster.HealthCheck!.Active!.Enabled);
        Assert.True(cluster.HealthCheck.Passive!.Enabled);
    }
}
