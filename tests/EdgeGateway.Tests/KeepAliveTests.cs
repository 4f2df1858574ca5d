using System.Net;
using AiCdn.CoreRelay;
using AiCdn.CoreRelay.Forwarding;
using AiCdn.EdgeGateway.Forwarding;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>A model that thinks for minutes keeps its stream: comments while it is silent, and no hop gives up first.</summary>
public sealed class KeepAliveTests
{
    [Fact]
    public async Task SilentOrigin_KeepAliveCommentsBetweenEvents_NeverInsideOne()
    {
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:SseKeepAliveInterval"] = "00:00:01" });
        using var client = chain.CreateEdgeClient();
        using var request = ChatRequests.Streamed(tokens: 6);
        request.Headers.Add("x-mock-fault", "stall-after=3;stall-ms=5000");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        var text = await response.Content.ReadAsStringAsync(Timeouts.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var blocks = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var comments = blocks.Count(b => b == ": keep-alive");
        Assert.InRange(comments, 3, 6);

        // Every other block is a whole event: data (and id) lines only, no comment inside.
        Assert.All(blocks.Where(b => b != ": keep-alive"), b => Assert.All(b.Split('\n'), line => Assert.True(line.StartsWith("data: ", StringComparison.Ordinal) || line.StartsWith("id: ", StringComparison.Ordinal), $"unexpected line in an event: {line}")));
        Assert.Equal("data: [DONE]", blocks[^1].Split('\n').First(l => l.StartsWith("data: ", StringComparison.Ordinal)));
        Assert.Equal(6, blocks.Count(b => b.Contains("\"content\":", StringComparison.Ordinal) && !b.Contains("\"content\":\"\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SilentOrigin_WebSocketChat_GetsNoKeepAliveMessages()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Mock = { ["Mock:TimeToFirstTokenMs"] = "3500" },
            Edge = { ["Edge:SseKeepAliveInterval"] = "00:00:01" },
        });
        await using var socket = await ChatSocket.ConnectAsync(chain.Edge.Address);

        await socket.SendRequestAsync("q1", tokens: 3);
        var messages = await socket.ReceiveUntilFinishedAsync("q1");

        Assert.All(messages, m => Assert.Contains(m.GetProperty("type").GetString(), new[] { "delta", "done" }));
        Assert.Equal("done", messages[^1].GetProperty("type").GetString());
    }

    [Fact]
    public void Defaults_EveryHopWaitsAtLeastTenMinutesOfSilence()
    {
        var edge = new EdgeOptions();
        var core = new CoreRelayOptions();
        var (_, cores) = CoreProxyConfig.Build(edge);
        var (_, origins) = OriginProxyConfig.Build(core);

        Assert.True(core.StreamIdleTimeout >= TimeSpan.FromMinutes(10));
        Assert.True(origins[0].HttpRequest!.ActivityTimeout >= TimeSpan.FromMinutes(10));
        Assert.True(cores[0].HttpRequest!.ActivityTimeout > core.StreamIdleTimeout, "the edge gives up after the core, which ends the stream with an error event");
        Assert.Equal(TimeSpan.FromSeconds(15), edge.SseKeepAliveInterval);
    }
}
