using System.Net;
using System.Text.Json;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>Metrics and the detailed health report live on the management listener only; the internet gets OpenAI's 404.</summary>
public sealed class ManagementListenerTests : IAsyncLifetime
{
    private Chain _chain = null!;

    public async Task InitializeAsync() => _chain = await Chain.StartAsync();

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task PublicListener_ManagementPath_OpenAiNotFound(string path)
    {
        using var client = _chain.CreateEdgeClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);

        // Choosing the management port in the Host header changes nothing: the listener decides.
        request.Headers.Host = $"127.0.0.1:{_chain.Edge.ManagementAddress().Port}";
        using var response = await client.SendAsync(request, Timeouts.Token());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unknown_url", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ManagementListener_Health_DetailedJsonReport()
    {
        using var management = EdgeHosts.CreateClient(_chain.Edge.ManagementAddress());

        using var response = await management.GetAsync("/health", Timeouts.Token());
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", report.RootElement.GetProperty("status").GetString());
        var checks = report.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("draining").GetProperty("status").GetString());
        Assert.Contains("1 of 1 cores healthy", checks.GetProperty("cores").GetProperty("description").GetString());
    }

    [Fact]
    public async Task ManagementListener_Metrics_ShowTheEdgesInstruments()
    {
        using (var client = _chain.CreateEdgeClient())
        using (var request = ChatRequests.Models())
        using (var response = await client.SendAsync(request, Timeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var management = EdgeHosts.CreateClient(_chain.Edge.ManagementAddress());
        string text = "";
        await Wait.UntilAsync(
            async () => (text = await management.GetStringAsync("/metrics")).Contains("aicdn_requests_total{", StringComparison.Ordinal),
            Timeouts.Short,
            "the Prometheus scrape shows aicdn_requests_total");

        Assert.Contains("route=\"models\"", text);
        Assert.Contains("aicdn_connections_active", text);
        Assert.Contains("aicdn_upstream_latency_seconds", text);
    }

    [Fact]
    public async Task ManagementListener_ApiPath_NotServed()
    {
        using var management = EdgeHosts.CreateClient(_chain.Edge.ManagementAddress());
        using var request = ChatRequests.Models();

        using var response = await management.SendAsync(request, Timeouts.Token());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
