using AiCdn.Common.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// Gives a chat socket's upgrade request (<c>/v1/ws/chat</c>, HTTP/1.1 Upgrade or HTTP/2 extended
/// CONNECT) an upgraded stream that counts the client's frames (<see cref="FrameBudgetStream"/>),
/// found by the session in <see cref="FrameBudgetFeature"/>. Runs before <c>UseWebSockets</c>,
/// which takes the upgrade features when the request passes it. Passthrough upgrades
/// (<c>/v1/realtime</c>) are relayed byte for byte and are not counted.
/// </summary>
public sealed class FrameBudgetMiddleware(RequestDelegate next, IOptions<EdgeOptions> options, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.Value.WebSocket;
        if (settings.MaxSmallFramesPerSecond > 0 && IsChatSocket(context.Request.Path))
        {
            var budget = new FrameBudgetFeature(inner => new FrameBudgetStream(inner, settings.MaxSmallFramesPerSecond, settings.SmallFrameBurst, time));
            context.Features.Set(budget);
            if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                context.Features.Set<IHttpUpgradeFeature>(new CountedUpgrade(upgrade, budget));
            }

            if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
            {
                context.Features.Set<IHttpExtendedConnectFeature>(new CountedConnect(connect, budget));
            }
        }

        return next(context);
    }

    /// <summary>The path the chat endpoint answers (routing also matches it with a trailing slash).</summary>
    private static bool IsChatSocket(PathString path) =>
        path.StartsWithSegments(ApiRoutes.WebSocketChat, StringComparison.OrdinalIgnoreCase, out var rest) && rest.Value is null or "" or "/";

    private sealed class CountedUpgrade(IHttpUpgradeFeature inner, FrameBudgetFeature budget) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => budget.Wrap(await inner.UpgradeAsync());
    }

    private sealed class CountedConnect(IHttpExtendedConnectFeature inner, FrameBudgetFeature budget) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => inner.IsExtendedConnect;

        public string? Protocol => inner.Protocol;

        public async ValueTask<Stream> AcceptAsync() => budget.Wrap(await inner.AcceptAsync());
    }
}
