using AiCdn.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AiCdn.EdgeGateway.Tests.Support;

/// <summary>Services a test adds beside a <see cref="Chain"/>: an origin with a WebSocket echo (a second core is <see cref="Chain.AddCoreAsync"/>).</summary>
public static class ExtraHosts
{
    /// <summary>An origin whose <c>/v1/realtime</c> echoes every WebSocket message back, prefixed with "echo: ".</summary>
    public static Task<ServiceHost> StartEchoOriginAsync() =>
        ServiceHost.StartAsync(
            _ => { },
            app =>
            {
                app.UseWebSockets();
                app.Map("/v1/realtime", static async context =>
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        context.Response.StatusCode = StatusCodes.Status400BadRequest;
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                        if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                        {
                            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                            return;
                        }

                        var reply = System.Text.Encoding.UTF8.GetBytes("echo: " + System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count));
                        await socket.SendAsync(reply, System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
                    }
                });
            });
}
