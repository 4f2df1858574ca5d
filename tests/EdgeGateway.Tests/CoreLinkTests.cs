using System.Diagnostics;
using System.Net;
using AiCdn.Common.Routing;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>The edge → core link: multiplexed h2c, or HTTP/2 over mutual TLS; client identity and trace context travel with each request.</summary>
public sealed class CoreLinkTests
{
    [Fact]
    public async Task H2c_ConcurrentStreams_MultiplexedOnOneConnection()
    {
        var port = FreePort.Next();
        var observer = new CoreObserver();
        await using var chain = await EdgeChains.StartAsync(
            new() { ["Edge:CoreNodes"] = $"http://127.0.0.1:{port}", ["Edge:CoreTransport"] = "h2c" },
            coreServices: observer.Install(),
            core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{port}" });
        using var client = chain.CreateEdgeClient();

        var streams = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 5, intervalMs: 50), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
            return await SseClient.ReadAllAsync(response, Timeouts.Token());
        }));

        Assert.All(streams, events => Assert.Equal("[DONE]", events[^1].Data));
        var seen = observer.Requests.Where(r => r.Path == "/v1/chat/completions").ToList();
        Assert.Equal(5, seen.Count);
        Assert.All(seen, r => Assert.Equal("HTTP/2", r.Protocol));
        Assert.Single(seen.Select(r => r.ConnectionId).Distinct());
    }

    [Fact]
    public async Task H2OverMutualTls_CoreSeesEdgeCertificate()
    {
        using var certificates = TestCertificates.Create();
        var (_, coreCertificate, coreKey) = certificates.Server;
        var (_, edgeCertificate, edgeKey) = certificates.Client;
        var port = FreePort.Next();
        var observer = new CoreObserver();
        await using var chain = await EdgeChains.StartAsync(
            new()
            {
                ["Edge:CoreNodes"] = $"https://localhost:{port}",
                ["Edge:CoreTransport"] = "h2",
                ["Edge:CoreClientCertificateFile"] = edgeCertificate,
                ["Edge:CoreClientKeyFile"] = edgeKey,
                ["Edge:CoreCaFile"] = certificates.CaFile,
            },
            coreServices: observer.Install(),
            core: new()
            {
                ["CoreRelay:ListenTls"] = $"127.0.0.1:{port}",
                ["CoreRelay:Tls:CertificateFile"] = coreCertificate,
                ["CoreRelay:Tls:KeyFile"] = coreKey,
                ["CoreRelay:Tls:ClientCaFile"] = certificates.CaFile,
            });
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 4), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        var events = await SseClient.ReadAllAsync(response, Timeouts.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[DONE]", events[^1].Data);
        var seen = Assert.Single(observer.Requests, r => r.Path == "/v1/chat/completions");
        Assert.Equal("HTTP/2", seen.Protocol);
        Assert.True(seen.HasClientCertificate, "the core saw the edge's client certificate");
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef.2")]
    [InlineData("not-an-attempt")]
    public async Task ClientsOwnAttemptName_IsReplacedByTheEdges(string forged)
    {
        // A client that could name a later attempt would make the core cancel the quota an earlier one holds.
        var observer = new CoreObserver();
        await using var chain = await EdgeChains.StartAsync(new(), coreServices: observer.Install());
        using var client = chain.CreateEdgeClient();
        using var request = ChatRequests.Streamed(tokens: 2);
        request.Headers.TryAddWithoutValidation(CoreAttempt.Header, forged);

        using var response = await client.SendAsync(request, Timeouts.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(observer.Requests).Headers[CoreAttempt.Header];
        Assert.True(CoreAttempt.TryParse(seen, out var attempt), seen);
        Assert.Equal(1, attempt.Value.Number);
        Assert.DoesNotContain(forged, seen);
    }

    [Fact]
    public async Task ClientIdentity_ForwardedWithRequestIdAndTraceContext()
    {
        var observer = new CoreObserver();
        await using var chain = await EdgeChains.StartAsync(new(), coreServices: observer.Install());

        // A client outside this process: no trace context of the test's own added to the request.
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = chain.Edge.Address };
        var traceId = ActivityTraceId.CreateRandom();

        using var mine = ChatRequests.Models();
        mine.Headers.TryAddWithoutValidation("x-request-id", "client-chosen-42");
        mine.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        mine.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.66");
        using var ours = ChatRequests.Models();
        ours.Headers.TryAddWithoutValidation("x-request-id", "bad id with spaces\r\n");
        using var first = await client.SendAsync(mine, Timeouts.Token());
        using var second = await client.SendAsync(ours, Timeouts.Token());

        var seen = observer.Requests.ToList();
        Assert.Equal(2, seen.Count);
        Assert.Equal("client-chosen-42", seen[0].Headers["x-request-id"]);
        Assert.Equal("client-chosen-42", first.Headers.GetValues("x-request-id").Single());
        Assert.Contains(traceId.ToString(), seen[0].Headers["traceparent"]);

        // Without a trusted proxy in front, a client's X-Forwarded-For is replaced by its address.
        Assert.Equal("127.0.0.1", seen[0].Headers["x-forwarded-for"]);
        Assert.Equal("http", seen[0].Headers["x-forwarded-proto"]);
        Assert.NotEqual("bad id with spaces", seen[1].Headers["x-request-id"].Trim());
        Assert.Equal(seen[1].Headers["x-request-id"], second.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task TrustedProxy_ForwardedForBelieved()
    {
        var observer = new CoreObserver();
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:TrustedProxies"] = "127.0.0.1" }, coreServices: observer.Install());
        using var client = chain.CreateEdgeClient();
        using var request = ChatRequests.Models();
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.66");

        using var response = await client.SendAsync(request, Timeouts.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("203.0.113.66", Assert.Single(observer.Requests).Headers["x-forwarded-for"]);
    }
}
