using System.Net;
using System.Net.Sockets;
using System.Text;
using AiCdn.EdgeGateway.Hosting;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>Each limit refuses with the right status, headers and OpenAI body, is counted, and admits again after its window.</summary>
public sealed class ProtectionTests
{
    [Fact]
    public async Task GlobalRate_BurstSpent_429WithRetryAfterThenAdmitsAfterWindow()
    {
        var time = EdgeChains.Clock();
        await using var chain = await EdgeChains.StartAsync(new()
        {
            ["Edge:Limits:GlobalRequestsPerSecond"] = "1",
            ["Edge:Limits:GlobalBurst"] = "2",
            ["Edge:Limits:PerIpRequestsPerSecond"] = "0",
        }, time);
        using var rejections = chain.Edge.Rejections();
        using var client = chain.CreateEdgeClient();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
        using (var refused = await client.SendAsync(ChatRequests.Models(), Timeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            var error = await refused.ErrorAsync();
            Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
            Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        }

        Assert.Equal(1, rejections.Count("global"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
    }

    [Fact]
    public async Task ClientRate_BurstSpent_429ThenAdmitsAfterWindow()
    {
        var time = EdgeChains.Clock();
        await using var chain = await EdgeChains.StartAsync(new()
        {
            ["Edge:Limits:PerIpRequestsPerSecond"] = "1",
            ["Edge:Limits:PerIpBurst"] = "1",
        }, time);
        using var rejections = chain.Edge.Rejections();
        using var client = chain.CreateEdgeClient();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
        using (var refused = await client.SendAsync(ChatRequests.Models(), Timeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        Assert.Equal(1, rejections.Count("ip_rate"));
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(client));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
    }

    [Fact]
    public async Task ClientConcurrency_StreamOpen_SecondRequest429UntilItEnds()
    {
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:Limits:PerIpConcurrentRequests"] = "1" });
        using var rejections = chain.Edge.Rejections();
        using var client = chain.CreateEdgeClient();

        using var stream = await client.SendAsync(ChatRequests.Streamed(tokens: 30, intervalMs: 50), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using (var refused = await client.SendAsync(ChatRequests.Models(), Timeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("rate_limit_exceeded", (await refused.ErrorAsync()).GetProperty("code").GetString());
        }

        var events = await SseClient.ReadAllAsync(stream, Timeouts.Token());
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Equal(1, rejections.Count("ip_concurrency"));
        await Wait.UntilAsync(async () => await StatusAsync(client) == HttpStatusCode.OK, Timeouts.Short, "a request is admitted once the stream has ended");
    }

    /// <summary>
    /// Each request on a chat socket is a stream the client holds, like an HTTP stream: it takes a
    /// permit of the per-client limit beside the socket's own. Without that, one address held
    /// <c>PerIpConcurrentRequests</c> sockets of <c>Edge:WebSocket:MaxConcurrentRequests</c> streams
    /// each (256 x 16 = 4,096 by default instead of 256).
    /// </summary>
    [Fact]
    public async Task ClientConcurrency_WebSocketRequests_EachTakesAPermit()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Edge = { ["Edge:Limits:PerIpConcurrentRequests"] = "3" },
            Mock = new() { ["Mock:TokenIntervalMs"] = "50" },
        });
        using var rejections = chain.Edge.Rejections();
        using var client = chain.CreateEdgeClient();
        await using var socket = await ChatSocket.ConnectAsync(chain.Edge.Address);

        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            await socket.SendRequestAsync(id, tokens: 40);
        }

        // The edge handles a socket's messages in order: once c and d are refused, a and b hold their permits.
        await Wait.UntilAsync(() => Task.FromResult(rejections.Count("ip_concurrency") == 2), TimeSpan.FromSeconds(30), "c and d refused");
        using (var http = await client.SendAsync(ChatRequests.Models(), Timeouts.Token()))
        {
            // The socket and its two running requests hold all three permits.
            Assert.Equal(HttpStatusCode.TooManyRequests, http.StatusCode);
        }

        var messages = await socket.ReceiveUntilFinishedAsync("a", "b", "c", "d");
        string? Last(string id) => messages.Last(m => m.GetProperty("id").GetString() == id).GetProperty("type").GetString();

        Assert.Equal("done", Last("a"));
        Assert.Equal("done", Last("b"));
        foreach (var refused in new[] { "c", "d" })
        {
            var error = messages.Last(m => m.GetProperty("id").GetString() == refused);
            Assert.Equal("error", error.GetProperty("type").GetString());
            Assert.Equal(429, error.GetProperty("status").GetInt32());
            Assert.Equal("rate_limit_exceeded", error.GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Equal(3, rejections.Count("ip_concurrency"));

        // Finished requests give their permits back: the socket runs another.
        await socket.SendRequestAsync("e", tokens: 2);
        Assert.Equal("done", (await socket.ReceiveUntilFinishedAsync("e"))[^1].GetProperty("type").GetString());
    }

    /// <summary>
    /// A chat message is a request body: once its first frame arrives, the rest must come at
    /// <c>Edge:Limits:MinRequestBodyDataRate</c> after the grace period, as an HTTP body must.
    /// Kestrel's rate does not apply to an upgraded connection, so a client could start a message
    /// and hold the socket, the message's buffer (up to the body limit) and its per-client permit
    /// for as long as it liked.
    /// </summary>
    [Fact]
    public async Task WebSocketMessage_SentTooSlowly_SocketClosed()
    {
        // The edge's clock is fake and the grace period a minute: only that clock gets there, so
        // the test neither waits for it nor depends on how fast the machine is.
        var time = EdgeChains.Clock();
        var grace = TimeSpan.FromMinutes(1);
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:Limits:MinRequestBodyDataRateGracePeriod"] = grace.ToString() }, time);
        await using var socket = await ChatSocket.ConnectAsync(chain.Edge.Address);

        await socket.SendPartAsync("""{"model":"mock-gpt","messages":[{"role":"user","content":"hel""");
        var closed = ClosedAsync(socket);
        var advanced = TimeSpan.Zero;
        while (!closed.IsCompleted && advanced < grace * 3)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            await Task.WhenAny(closed, Task.Delay(20));
        }

        Assert.True(closed.IsCompleted && await closed, $"the socket with a message stalled half-way was not closed after {advanced} on the edge's clock");
        Assert.True(advanced > grace, $"closed after {advanced} on the edge's clock, within the grace period");
        Assert.True(advanced < grace + TimeSpan.FromSeconds(30), $"closed after {advanced} on the edge's clock, not soon after the grace period");

        // A message sent promptly in several frames is fine.
        await using var other = await ChatSocket.ConnectAsync(chain.Edge.Address);
        await other.SendPartAsync("""{"id":"q","model":"mock-gpt","max_tokens":2,""");
        await other.SendAsync("""
            "messages":[{"role":"user","content":"hi"}]}
            """);
        Assert.Equal("done", (await other.ReceiveUntilFinishedAsync("q"))[^1].GetProperty("type").GetString());
    }

    /// <summary>
    /// Pings, pongs and tiny fragments are handled inside the socket, below any message limit, and
    /// each costs the edge up to about 400 ns however small it is: one client on loopback made the
    /// edge spend a whole CPU on them, 13 to 36 times a bulk upload's CPU per byte
    /// (docs/perf/websocket-floods.md), for as long as it liked. Past
    /// <c>Edge:WebSocket:SmallFrameBurst</c> small frames (refilled at
    /// <c>MaxSmallFramesPerSecond</c>, here on a clock that does not move) the socket is closed
    /// with 1008 and the connection ends.
    /// </summary>
    [Theory]
    [InlineData("pings")]
    [InlineData("fragments")]
    public async Task ChatSocket_FrameFlood_ClosedWithPolicyViolation(string flood)
    {
        var time = EdgeChains.Clock();
        await using var chain = await EdgeChains.StartAsync(new()
        {
            ["Edge:WebSocket:MaxSmallFramesPerSecond"] = "10",
            ["Edge:WebSocket:SmallFrameBurst"] = "50",
        }, time);
        using var rejections = chain.Edge.Rejections();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(chain.Edge.Address.Host, chain.Edge.Address.Port);
        var stream = tcp.GetStream();
        await HandshakeAsync(stream, chain.Edge.Address);

        // 60 frames where 50 are allowed: pings, or a text message sent a byte a frame.
        var frames = flood == "pings"
            ? Enumerable.Range(0, 60).Select(_ => ClientFrame(0x89, []))
            : Enumerable.Range(0, 60).Select(i => ClientFrame((byte)(i == 0 ? 0x01 : i == 59 ? 0x80 : 0x00), "x"u8.ToArray()));
        await stream.WriteAsync(frames.SelectMany(f => f).ToArray(), Timeouts.Token());

        var pongs = 0;
        ushort? closeStatus = null;
        using var timeout = new CancellationTokenSource(Timeouts.Long);
        while (await ReadServerFrameAsync(stream, timeout.Token) is var (opcode, payload))
        {
            if (opcode == 0x0A)
            {
                pongs++;
            }
            else if (opcode == 0x08)
            {
                closeStatus = (ushort)((payload[0] << 8) | payload[1]);
                break;
            }
        }

        Assert.Equal((ushort)1008, closeStatus);
        Assert.True(pongs <= 50, $"{pongs} pongs for 50 frames allowed");
        Assert.Equal(1, rejections.Count("websocket_frame_rate"));

        // The client answers the close and the edge ends the connection, having sent nothing after its close frame.
        await stream.WriteAsync(ClientFrame(0x88, [0x03, 0xE8]), timeout.Token);
        try
        {
            Assert.Equal(0, await stream.ReadAsync(new byte[16], timeout.Token));
        }
        catch (IOException)
        {
            // Or resets it: the edge's socket reads the end of the stream, not the client's close frame.
        }
    }

    [Fact]
    public async Task ChatSocket_ClosedForAFrameFlood_ItsClientIsRefusedANewOneUntilThePenaltyEnds()
    {
        var time = EdgeChains.Clock();
        await using var chain = await EdgeChains.StartAsync(new()
        {
            ["Edge:WebSocket:MaxSmallFramesPerSecond"] = "10",
            ["Edge:WebSocket:SmallFrameBurst"] = "50",
            ["Edge:WebSocket:FloodPenalty"] = "00:01:00",
        }, time);
        using var rejections = chain.Edge.Rejections();
        using (var flooder = new TcpClient())
        {
            await flooder.ConnectAsync(chain.Edge.Address.Host, chain.Edge.Address.Port);
            var stream = flooder.GetStream();
            await HandshakeAsync(stream, chain.Edge.Address);
            await stream.WriteAsync(Enumerable.Range(0, 60).SelectMany(_ => ClientFrame(0x89, [])).ToArray(), Timeouts.Token());
            using var timeout = new CancellationTokenSource(Timeouts.Long);
            while (await ReadServerFrameAsync(stream, timeout.Token) is var (opcode, _) && opcode != 0x08)
            {
            }
        }

        // Its next socket is refused before the upgrade, with the time left.
        var refused = await UpgradeHeadAsync(chain.Edge.Address);
        Assert.StartsWith("HTTP/1.1 429", refused, StringComparison.Ordinal);
        Assert.Contains("Retry-After: 60", refused, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, rejections.Count("websocket_flood_penalty"));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.StartsWith("HTTP/1.1 429", await UpgradeHeadAsync(chain.Edge.Address), StringComparison.Ordinal);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.StartsWith("HTTP/1.1 101", await UpgradeHeadAsync(chain.Edge.Address), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientConnectionRate_BurstSpent_ConnectionClosedUnansweredThenAdmitsAfterWindow()
    {
        var time = EdgeChains.Clock();
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:Limits:PerIpConnectionsPerSecond"] = "1" }, time);
        using var rejections = chain.Edge.Rejections();

        // A burst of two seconds' worth: two connections, then the third is closed before a byte is read.
        Assert.StartsWith("HTTP/1.1 200", await ModelsOverNewConnectionAsync(chain.Edge.Address), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", await ModelsOverNewConnectionAsync(chain.Edge.Address), StringComparison.Ordinal);
        Assert.Equal(string.Empty, await ModelsOverNewConnectionAsync(chain.Edge.Address));
        Assert.Equal(1, rejections.Count("ip_connection_rate"));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.StartsWith("HTTP/1.1 200", await ModelsOverNewConnectionAsync(chain.Edge.Address), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientConnectionRate_TrustedProxyIsNotCounted()
    {
        var time = EdgeChains.Clock();
        await using var chain = await EdgeChains.StartAsync(new()
        {
            ["Edge:Limits:PerIpConnectionsPerSecond"] = "1",
            ["Edge:TrustedProxies"] = "127.0.0.0/8, ::1",
        }, time);
        using var rejections = chain.Edge.Rejections();

        for (var i = 0; i < 4; i++)
        {
            Assert.StartsWith("HTTP/1.1 200", await ModelsOverNewConnectionAsync(chain.Edge.Address), StringComparison.Ordinal);
        }

        Assert.Equal(0, rejections.Count("ip_connection_rate"));
    }

    /// <summary>GET /v1/models over a connection of its own; the response head, or "" when the edge closed it unanswered.</summary>
    private static async Task<string> ModelsOverNewConnectionAsync(Uri edge)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(edge.Host, edge.Port);
        var stream = tcp.GetStream();
        var request = $"GET /v1/models HTTP/1.1\r\nHost: {edge.Authority}\r\nAuthorization: Bearer {Chain.ApiKey}\r\nConnection: close\r\n\r\n";
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Timeouts.Token());
            return await ReadHeadAsync(stream);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>A chat socket upgrade over a new connection; the response head.</summary>
    private static async Task<string> UpgradeHeadAsync(Uri edge)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(edge.Host, edge.Port);
        var stream = tcp.GetStream();
        var request = $"GET /v1/ws/chat HTTP/1.1\r\nHost: {edge.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {Chain.ApiKey}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Timeouts.Token());
        return await ReadHeadAsync(stream);
    }

    /// <summary>Bytes up to the blank line that ends a response head ("" when the stream ends first).</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, Timeouts.Token()) == 0)
            {
                return head.Count == 0 ? string.Empty : Encoding.ASCII.GetString([.. head]);
            }

            head.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. head]);
    }

    private static async Task HandshakeAsync(NetworkStream stream, Uri edge)
    {
        var request = $"GET /v1/ws/chat HTTP/1.1\r\nHost: {edge.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {Chain.ApiKey}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Timeouts.Token());
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            Assert.Equal(1, await stream.ReadAsync(one, Timeouts.Token()));
            head.Add(one[0]);
        }

        var status = Encoding.ASCII.GetString([.. head]);
        Assert.StartsWith("HTTP/1.1 101", status, StringComparison.Ordinal);
    }

    /// <summary>A masked client frame with a payload under 126 bytes; <paramref name="first"/> is FIN and opcode.</summary>
    private static byte[] ClientFrame(byte first, byte[] payload)
    {
        byte[] mask = [0x11, 0x22, 0x33, 0x44];
        return [first, (byte)(0x80 | payload.Length), .. mask, .. payload.Select((b, i) => (byte)(b ^ mask[i % 4]))];
    }

    /// <summary>The next unmasked server frame (payloads under 64 KiB), or null at the end of the stream.</summary>
    private static async Task<(int Opcode, byte[] Payload)?> ReadServerFrameAsync(NetworkStream stream, CancellationToken cancel)
    {
        var header = new byte[2];
        if (!await ReadExactlyOrEndAsync(stream, header, cancel))
        {
            return null;
        }

        var length = header[1] & 0x7F;
        if (length == 126)
        {
            var extended = new byte[2];
            await stream.ReadExactlyAsync(extended, cancel);
            length = (extended[0] << 8) | extended[1];
        }

        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancel);
        return (header[0] & 0x0F, payload);
    }

    private static async Task<bool> ReadExactlyOrEndAsync(NetworkStream stream, byte[] buffer, CancellationToken cancel)
    {
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancel);
        return read == buffer.Length;
    }

    /// <summary>Whether the server closed (or aborted) the socket before sending it anything.</summary>
    private static async Task<bool> ClosedAsync(ChatSocket socket)
    {
        try
        {
            return await socket.ReceiveAsync(TimeSpan.FromSeconds(60)) is null;
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            return true;
        }
    }

    [Fact]
    public async Task MaxConnections_Exceeded_503AndCloseThenAdmitsWhenOneCloses()
    {
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:Limits:MaxConnections"] = "1" });
        using var rejections = chain.Edge.Rejections();
        var gate = chain.Edge.Services.GetRequiredService<ConnectionGate>();

        var first = chain.CreateEdgeClient();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(first));

        using (var second = chain.CreateEdgeClient())
        using (var refused = await second.SendAsync(ChatRequests.Models(), Timeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.ConnectionClose, "Connection: close");
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Equal("too_many_connections", (await refused.ErrorAsync()).GetProperty("code").GetString());
        }

        Assert.Equal(1, rejections.Count("connections"));
        first.Dispose();
        await Wait.UntilAsync(() => gate.Open == 0, Timeouts.Short, "both client connections are closed");
        using var third = chain.CreateEdgeClient();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(third));
    }

    [Fact]
    public async Task Headers_TooManyOrTooLarge_431WithOpenAiBody()
    {
        await using var chain = await EdgeChains.StartAsync(new()
        {
            ["Edge:Limits:MaxRequestHeaderCount"] = "20",
            ["Edge:Limits:MaxRequestHeadersTotalSize"] = "4096",
        });
        using var rejections = chain.Edge.Rejections();
        using var client = chain.CreateEdgeClient();

        using var many = ChatRequests.Models();
        for (var i = 0; i < 25; i++)
        {
            many.Headers.TryAddWithoutValidation($"x-extra-{i}", "1");
        }

        using var large = ChatRequests.Models();
        large.Headers.TryAddWithoutValidation("x-large", new string('a', 5000));

        using var manyResponse = await client.SendAsync(many, Timeouts.Token());
        using var largeResponse = await client.SendAsync(large, Timeouts.Token());

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, manyResponse.StatusCode);
        Assert.Equal("request_headers_too_large", (await manyResponse.ErrorAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, largeResponse.StatusCode);
        Assert.Equal(1, rejections.Count("header_count"));
        Assert.Equal(1, rejections.Count("header_size"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
    }

    [Fact]
    public async Task Body_OverLimitDeclaredOrChunked_413WithOpenAiBody()
    {
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:Limits:MaxRequestBodySize"] = "2048" });
        using var client = chain.CreateEdgeClient();
        var body = "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 4000) + "\"}]}";

        using var declared = ChatRequests.Streamed(tokens: 1);
        declared.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var declaredResponse = await client.SendAsync(declared, Timeouts.Token());

        using var chunked = ChatRequests.Streamed(tokens: 1);
        chunked.Content = new UnknownLengthContent(Encoding.UTF8.GetBytes(body));
        using var chunkedResponse = await client.SendAsync(chunked, Timeouts.Token());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declaredResponse.StatusCode);
        Assert.True(declaredResponse.Headers.ConnectionClose, "Connection: close after an unread body");
        Assert.Equal("request_too_large", (await declaredResponse.ErrorAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunkedResponse.StatusCode);
        Assert.Equal("request_too_large", (await chunkedResponse.ErrorAsync()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Slowloris_HeadersNeverFinish_ConnectionCutWhileOthersStream()
    {
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:Limits:RequestHeadersTimeout"] = "00:00:02" });
        using var slow = new TcpClient();
        await slow.ConnectAsync(IPAddress.Loopback, chain.Edge.Address.Port);
        var started = DateTime.UtcNow;
        var socket = slow.GetStream();
        await socket.WriteAsync("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"u8.ToArray());

        using var client = chain.CreateEdgeClient();
        using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 10, intervalMs: 100), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        var events = await SseClient.ReadAllAsync(response, Timeouts.Token());
        Assert.Equal("[DONE]", events[^1].Data);

        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Timeouts.Short);
        try
        {
            while (await socket.ReadAsync(buffer, timeout.Token) > 0)
            {
                // Kestrel may answer 408 before closing; what matters is that it closes.
            }
        }
        catch (IOException)
        {
            // A reset is a cut too.
        }

        Assert.False(timeout.IsCancellationRequested, "the slow connection was not closed");
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1.5), "closed by the header timeout, not at once");
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var request = ChatRequests.Models();
        using var response = await client.SendAsync(request, Timeouts.Token());
        return response.StatusCode;
    }

    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
