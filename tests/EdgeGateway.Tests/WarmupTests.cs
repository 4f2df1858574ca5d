using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using AiCdn.Common.Warmup;
using AiCdn.EdgeGateway.Hosting;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>
/// The edge's warm-up gate (issue 18, item 4): the management listener's /health answers 503 until
/// the edge has sent itself its warm-up requests, /alive 200 throughout; the warm-up never reaches a
/// core and is counted nowhere; a client that sends the warm-up header is served like any other,
/// and the header does not reach the core.
/// </summary>
public sealed class WarmupTests
{
    private const int WarmupRequests = 40;

    [Fact]
    public async Task Health_Is503WhileWarmingAnd200After_WarmupNeverReachesACore_AndAClientWithTheHeaderIsServedAsEver()
    {
        using var held = new HeldWarmup();
        var core = new CoreObserver();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Edge = { ["Warmup:Requests"] = $"{WarmupRequests}", ["Warmup:Concurrency"] = "2" },
            EdgeServices = held.Install<EdgeWarmupRequests>(),
            CoreServices = core.Install(),
        });
        using var management = EdgeHosts.CreateClient(chain.Edge.ManagementAddress());

        using (var warming = await management.GetAsync("/health", Timeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, warming.StatusCode);
            using var report = JsonDocument.Parse(await warming.Content.ReadAsStringAsync());
            Assert.Equal("Unhealthy", report.RootElement.GetProperty("checks").GetProperty(WarmupHealthCheck.Name).GetProperty("status").GetString());
        }

        using (var alive = await management.GetAsync("/alive", Timeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        var meters = chain.Edge.Services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, EdgeMetrics.MeterName, "aicdn.requests");
        using var rejections = chain.Edge.Rejections();
        using var http = new MetricCollector<double>(meters, "Microsoft.AspNetCore.Hosting", "http.server.request.duration");
        using var clients = new MetricCollector<double>(null, "System.Net.Http", "http.client.request.duration");
        held.Release();

        await Wait.UntilAsync(
            async () =>
            {
                using var alive = await management.GetAsync("/alive", Timeouts.Token());
                Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
                using var health = await management.GetAsync("/health", Timeouts.Token());
                return health.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(30),
            "the edge's /health to answer 200 once warm-up was done, /alive 200 all along");

        var gate = chain.Edge.Services.GetRequiredService<WarmupGate>();
        Assert.Equal(WarmupRequests, gate.Sent);
        Assert.Equal("401×40", gate.Answers);
        Assert.Empty(core.Requests);
        Assert.Empty(requests.GetMeasurementSnapshot());
        Assert.Empty(rejections.GetMeasurementSnapshot());
        Assert.DoesNotContain(http.GetMeasurementSnapshot(), m => (string?)m.Tags["http.request.method"] != "GET");
        var edgePort = chain.Edge.Address.Port;
        Assert.DoesNotContain(clients.GetMeasurementSnapshot(), m => m.Tags.TryGetValue("server.port", out var port) && port is int p && p == edgePort);

        // A client sending the header (with any value but the process's secret) is a client: relayed,
        // counted, and the header stops at the edge.
        using var client = chain.CreateEdgeClient();
        using var request = ChatRequests.Streamed(tokens: 3);
        request.Headers.TryAddWithoutValidation(WarmupTraffic.HeaderName, new string('a', 64));
        using var response = await client.SendAsync(request, Timeouts.Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("[DONE]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var seen = Assert.Single(core.Requests);
        Assert.False(seen.Headers.ContainsKey(WarmupTraffic.HeaderName));
        await Wait.UntilAsync(() => requests.GetMeasurementSnapshot().Count == 1, TimeSpan.FromSeconds(10), "the client's request in the edge's aicdn.requests");
    }
}
