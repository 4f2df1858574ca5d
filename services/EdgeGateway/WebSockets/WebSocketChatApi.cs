using AiCdn.Common.Errors;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Protection;
using AiCdn.EdgeGateway.Telemetry;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.WebSockets;

public static class WebSocketChatApi
{
    /// <summary>
    /// <c>/v1/ws/chat</c>: chat completions over one WebSocket (HTTP/1.1 Upgrade, or extended CONNECT
    /// on HTTP/2). The key comes from the upgrade request's <c>Authorization</c> header only: keys
    /// never travel in URLs, which end up in logs.
    /// </summary>
    public static IEndpointConventionBuilder MapWebSocketChat(this IEndpointRouteBuilder app) =>
        app.Map(ApiRoutes.WebSocketChat, HandleAsync);

    private static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await EdgeErrors.WebSocketRequired().ExecuteAsync(context);
            return;
        }

        if (!ApiKeyHash.TryGetBearer(context.Request.Headers.Authorization, out _))
        {
            await OpenAiErrors.MissingApiKey().ExecuteAsync(context);
            return;
        }

        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<EdgeOptions>>().Value;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.WebSocket.KeepAliveInterval,
        });

        var session = new WebSocketChatSession(
            socket,
            context,
            services.GetRequiredService<CoreChatClient>(),
            services.GetRequiredService<EdgeRateLimiters>(),
            services.GetRequiredService<DrainCoordinator>(),
            services.GetRequiredService<EdgeMetrics>(),
            options,
            services.GetRequiredService<TimeProvider>(),
            context.Features.Get<FrameBudgetFeature>()?.Stream,
            services.GetRequiredService<ILoggerFactory>().CreateLogger<WebSocketChatSession>());
        await session.RunAsync();
    }
}
