using AiCdn.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AiCdn.EdgeGateway.Tests.Support;

/// <summary>Services a test adds beside a <see cref="Chain"/>: a second core, an origin with a WebSocket echo.</summary>
public static class ExtraHosts
{
    /// <summary>Another core relay behind the chain's mock and auth-quota, composed like the chain's own.</summary>
    public static Task<ServiceHost> StartCoreAsync(Chain chain, Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Cluster:Secret"] = Chain.ClusterSecret,
            ["CoreRelay:Origins"] = chain.Mock.Address.ToString().TrimEnd('/'),
            ["CoreRelay:AuthQuotaUrl"] = chain.AuthQuota.Address.ToString().TrimEnd('/'),
            ["CoreRelay:ForwardRequestHeaders"] = Chain.ForwardRequestHeaders,
            ["CoreRelay:Overload:QueueDelayTarget"] = "0",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return ServiceHost.StartAsync(
            b => { b.AddServiceDefaults(); b.AddCoreRelay(); },
            a => { a.MapDefaultEndpoints(); a.MapCoreRelay(); },
            configuration,
            services);
    }

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
