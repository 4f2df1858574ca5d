using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using AiCdn.EdgeGateway.Hosting;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>The original's listener variables: every listener serves every route, WebSocket upgrades included.</summary>
public sealed class ListenerTests
{
    [Fact]
    public async Task ExplicitListeners_EachServesApiAndWebSocketChat()
    {
        var (http, ws, tls) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        await using var chain = await EdgeChains.StartAsync(new()
        {
            // The original's forms: ":port" (every interface), "host:port", "[v6]:port".
            ["Edge:ListenHttp"] = $":{http}",
            ["Edge:ListenWs"] = $"127.0.0.1:{ws}",
            ["Edge:ListenTls"] = $"[::1]:{tls}",
        });

        foreach (var address in new[] { new Uri($"http://127.0.0.1:{http}"), new Uri($"http://127.0.0.1:{ws}"), new Uri($"https://[::1]:{tls}") })
        {
            using var client = new HttpClient(AcceptAnyCertificate()) { BaseAddress = address };
            using var response = await client.SendAsync(ChatRequests.Models(), Timeouts.Token());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + Chain.ApiKey);
            socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            await socket.ConnectAsync(new UriBuilder(address) { Scheme = address.Scheme == "https" ? "wss" : "ws", Path = "/v1/ws/chat" }.Uri, Timeouts.Token());
            await socket.SendAsync("""{"id":1,"model":"mock-gpt","max_tokens":2,"messages":[{"role":"user","content":"hi"}]}"""u8.ToArray(), WebSocketMessageType.Text, true, Timeouts.Token());
            var buffer = new byte[8192];
            string last;
            do
            {
                var received = await socket.ReceiveAsync(buffer, Timeouts.Token());
                last = System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count);
            }
            while (!last.Contains("\"type\":\"done\"", StringComparison.Ordinal));

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Timeouts.Token());
        }

        // The management listener is bound last and is never a public one.
        Assert.Equal(4, chain.Edge.Addresses().Count);

        // Kestrel wires its QUIC transport exactly where QUIC is supported, and the TLS listener asks for
        // HTTP/3 exactly then: on this machine (no libmsquic) neither.
        Assert.Equal(EdgeProtocols.QuicSupported, chain.Edge.Services.GetServices<IMultiplexedConnectionListenerFactory>().Any());
    }

    private static SocketsHttpHandler AcceptAnyCertificate() => new()
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    };
}
