using System.Net;
using System.Net.Sockets;
using System.Text;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>
/// Only a core's own faults mark it down, a core that answers again is used at once, and headers
/// a client may legitimately send pass through.
/// </summary>
public sealed class CoreHealthTests
{
    [Fact]
    public async Task ClientCausedFailures_NeverMarkTheCoreDown()
    {
        var port = FreePort.Next();
        await using var chain = await EdgeChains.StartAsync(new()
        {
            ["Edge:CoreNodes"] = $"http://127.0.0.1:{port}",
            ["Edge:CoreTransport"] = "h2c",
            ["Edge:Limits:MinRequestBodyDataRateGracePeriod"] = "00:00:02",
            // Only what clients do may move the core's health in this test.
            ["Edge:CoreHealthInterval"] = "00:05:00",
        }, core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{port}" });
        var edge = chain.Edge.Address;

        // 30 keyless requests carrying a header with a non-ASCII byte.
        for (var i = 0; i < 30; i++)
        {
            var status = await RawAsync(edge, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Place: Zürich\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
            Assert.NotEqual(502, status);
        }

        // 20 uploads at one byte a second, and 20 bodies cut by a TCP reset, all at once.
        var slow = Enumerable.Range(0, 20).Select(_ => SlowUploadAsync(edge));
        var reset = Enumerable.Range(0, 20).Select(_ => ResetUploadAsync(edge));
        await Task.WhenAll(slow.Concat(reset));

        using var management = EdgeHosts.CreateClient(chain.Edge.ManagementAddress());
        using var health = await management.GetAsync("/health", Timeouts.Token());
        using var client = chain.CreateEdgeClient();
        using var served = await client.SendAsync(ChatRequests.Streamed(tokens: 2), Timeouts.Token());

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Theory]
    [InlineData("User-Agent", "MyApp/1.0 (Zürich)", HttpStatusCode.OK)]
    [InlineData("X-Note", "naïve café ☕", HttpStatusCode.OK)]
    [InlineData("Authorization", "Bearer sk-aicdn-ключ", HttpStatusCode.Unauthorized)]
    public async Task NonAsciiHeader_ForwardedNot502(string name, string value, HttpStatusCode expected)
    {
        var port = FreePort.Next();
        await using var chain = await EdgeChains.StartAsync(
            new() { ["Edge:CoreNodes"] = $"http://127.0.0.1:{port}", ["Edge:CoreTransport"] = "h2c" },
            core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{port}" });
        var authorization = name == "Authorization" ? string.Empty : $"Authorization: Bearer {Chain.ApiKey}\r\n";
        const string Body = """{"model":"mock-gpt","max_tokens":2,"messages":[{"role":"user","content":"hi"}]}""";

        var status = await RawAsync(chain.Edge.Address,
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n{authorization}{name}: {value}\r\nContent-Type: application/json\r\nContent-Length: {Body.Length}\r\n\r\n{Body}");

        Assert.Equal((int)expected, status);
    }

    [Fact]
    public async Task CoreMarkedDownThenRestarted_ServesAsSoonAsTheOtherDies()
    {
        var firstPort = FreePort.Next();
        var secondPort = FreePort.Next();
        await using var chain = await EdgeChains.StartAsync(
            new()
            {
                ["Edge:CoreNodes"] = $"http://127.0.0.1:{firstPort},http://127.0.0.1:{secondPort}",
                ["Edge:CoreTransport"] = "h2c",
                ["Edge:CoreHealthInterval"] = "00:00:01",
            },
            core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{firstPort}" });
        using var client = chain.CreateEdgeClient();
        using var management = EdgeHosts.CreateClient(chain.Edge.ManagementAddress());

        // The second core is not running yet: requests that pick it fail over, and it is marked down.
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 2), Timeouts.Token());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await using var second = await chain.AddCoreAsync(new Dictionary<string, string?> { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{secondPort}" });
        await Wait.UntilAsync(async () =>
        {
            using var health = await management.GetAsync("/health", Timeouts.Token());
            return (await health.Content.ReadAsStringAsync()).Contains("2 of 2 cores healthy", StringComparison.Ordinal);
        }, Timeouts.Long, "the restarted core is healthy again within a few health probes");

        // The first core dies: every request is served by the second, none gets a 502.
        await chain.Core.DisposeAsync();
        for (var i = 0; i < 30; i++)
        {
            using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 2), Timeouts.Token());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task OtherCoreStillMarkedDown_TriedBeforeGivingUp()
    {
        var firstPort = FreePort.Next();
        var secondPort = FreePort.Next();
        await using var chain = await StartWithAbsentSecondCoreAsync(firstPort, secondPort);
        using var client = chain.CreateEdgeClient();

        var statuses = await MarkTheAbsentCoreDownAsync(chain, client);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));

        // It starts, still marked down; then the first core dies.
        await using var second = await chain.AddCoreAsync(new Dictionary<string, string?> { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{secondPort}" });
        await chain.Core.DisposeAsync();
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 2), Timeouts.Token());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task OtherCoreStillMarkedDown_WebSocketChatTriesItBeforeGivingUp()
    {
        var firstPort = FreePort.Next();
        var secondPort = FreePort.Next();
        await using var chain = await StartWithAbsentSecondCoreAsync(firstPort, secondPort);
        using var client = chain.CreateEdgeClient();
        await MarkTheAbsentCoreDownAsync(chain, client);

        // The only core marked healthy dies; the one marked down is alive and must be tried.
        await using var second = await chain.AddCoreAsync(new Dictionary<string, string?> { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{secondPort}" });
        await chain.Core.DisposeAsync();
        await using var socket = await ChatSocket.ConnectAsync(chain.Edge.Address);
        var ids = Enumerable.Range(0, 4).Select(i => $"r{i}").ToArray();
        foreach (var id in ids)
        {
            await socket.SendRequestAsync(id, tokens: 2);
        }

        var messages = await socket.ReceiveUntilFinishedAsync(ids);
        Assert.All(ids, id => Assert.Single(messages, m => m.GetProperty("id").GetString() == id && m.GetProperty("type").GetString() == "done"));
        Assert.DoesNotContain(messages, m => m.GetProperty("type").GetString() == "error");
    }

    [Fact]
    public async Task TwoHealthyCores_WebSocketChatRequestsGoToBoth()
    {
        var firstPort = FreePort.Next();
        var secondPort = FreePort.Next();
        var first = new CoreObserver();
        var second = new CoreObserver();
        await using var chain = await EdgeChains.StartAsync(
            new()
            {
                ["Edge:CoreNodes"] = $"http://127.0.0.1:{firstPort},http://127.0.0.1:{secondPort}",
                ["Edge:CoreTransport"] = "h2c",
            },
            coreServices: first.Install(),
            core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{firstPort}" });
        await using var other = await chain.AddCoreAsync(new Dictionary<string, string?> { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{secondPort}" }, second.Install());

        // 24 requests in two batches (a socket runs at most 16 at once), each core picked by the
        // cluster's load-balancing policy: all on one core has odds of 2 in 2^24.
        await using var socket = await ChatSocket.ConnectAsync(chain.Edge.Address);
        for (var batch = 0; batch < 2; batch++)
        {
            var ids = Enumerable.Range(0, 12).Select(i => $"b{batch}r{i}").ToArray();
            foreach (var id in ids)
            {
                await socket.SendRequestAsync(id, tokens: 1);
            }

            var messages = await socket.ReceiveUntilFinishedAsync(ids);
            Assert.All(ids, id => Assert.Single(messages, m => m.GetProperty("id").GetString() == id && m.GetProperty("type").GetString() == "done"));
        }

        Assert.Contains(first.Requests, r => r.Path == "/v1/chat/completions");
        Assert.Contains(second.Requests, r => r.Path == "/v1/chat/completions");
    }

    /// <summary>An edge that knows two cores, of which only the first runs; no probe comes to the rescue, only trying a marked-down core can.</summary>
    private static Task<Chain> StartWithAbsentSecondCoreAsync(int firstPort, int secondPort) => EdgeChains.StartAsync(
        new()
        {
            ["Edge:CoreNodes"] = $"http://127.0.0.1:{firstPort},http://127.0.0.1:{secondPort}",
            ["Edge:CoreTransport"] = "h2c",
            ["Edge:CoreHealthInterval"] = "00:05:00",
        },
        core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{firstPort}" });

    /// <summary>Requests until one picks the absent core, fails over and marks it down; their statuses.</summary>
    private static async Task<List<HttpStatusCode>> MarkTheAbsentCoreDownAsync(Chain chain, HttpClient client)
    {
        using var management = EdgeHosts.CreateClient(chain.Edge.ManagementAddress());
        var report = string.Empty;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200 && !report.Contains("1 of 2 cores healthy", StringComparison.Ordinal); i++)
        {
            using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 2), Timeouts.Token());
            statuses.Add(response.StatusCode);
            using var health = await management.GetAsync("/health", Timeouts.Token());
            report = await health.Content.ReadAsStringAsync();
        }

        Assert.True(report.Contains("1 of 2 cores healthy", StringComparison.Ordinal), $"the absent core was never marked down; last report: {report}");
        return statuses;
    }

    private static async Task<int> RawAsync(Uri edge, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, edge.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, Timeouts.Token());
        var statusLine = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task SlowUploadAsync(Uri edge)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, edge.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {Chain.ApiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"));
        try
        {
            for (var i = 0; i < 6; i++)
            {
                await stream.WriteAsync("{"u8.ToArray());
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer, Timeouts.Token());
        }
        catch (IOException)
        {
            // The edge cut the slow upload, as it should.
        }
    }

    private static async Task ResetUploadAsync(Uri edge)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, edge.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {Chain.ApiKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"));
        await stream.WriteAsync(new byte[5000]);
        await Task.Delay(200);
        tcp.Client.LingerState = new LingerOption(true, 0);
        tcp.Close();
    }
}
