using System.Net.WebSockets;
using System.Text;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>An upgrade request routed to the origin (a realtime API) passes through edge and core as a transparent tunnel.</summary>
public sealed class WebSocketPassthroughTests
{
    [Theory]
    [InlineData("http1")]
    [InlineData("h2c")]
    public async Task RealtimeUpgrade_ThroughEdgeAndCore_EchoesMessages(string transport)
    {
        await using var origin = await ExtraHosts.StartEchoOriginAsync();
        var h2cPort = FreePort.Next();
        var edge = new Dictionary<string, string?> { ["Edge:CoreTransport"] = transport };
        if (transport == "h2c")
        {
            edge["Edge:CoreNodes"] = $"http://127.0.0.1:{h2cPort}";
        }

        await using var chain = await EdgeChains.StartAsync(
            edge,
            core: new()
            {
                ["CoreRelay:Origins"] = origin.Address.ToString().TrimEnd('/'),
                ["CoreRelay:ListenH2c"] = $"127.0.0.1:{h2cPort}",
            });

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Chain.ApiKey);
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{chain.Edge.Address.Port}/v1/realtime"), Timeouts.Token());
        var replies = new List<string>();
        var buffer = new byte[1024];
        foreach (var text in new[] { "hello", "second message" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Timeouts.Token());
            var received = await socket.ReceiveAsync(buffer, Timeouts.Token());
            replies.Add(Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Timeouts.Token());

        Assert.Equal(["echo: hello", "echo: second message"], replies);
    }
}
