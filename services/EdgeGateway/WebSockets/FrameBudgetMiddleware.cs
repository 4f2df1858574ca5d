using AiCdn.Common.Routing;
using AiCdn.EdgeGateway.Protection;
using AiCdn.EdgeGateway.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// Gives a chat socket's upgrade request (<c>/v1/ws/chat</c>, HTTP/1.1 Upgrade or HTTP/2 extended
/// CONNECT) an upgraded stream that counts the client's frames (<see cref="FrameBudgetStream"/>),
/// found by the session in <see cref="FrameBudgetFeature"/>. Runs before <c>UseWebSockets</c>,
/// which takes the upgrade features when the request passes it. Passthrough upgrades
/// (<c>/v1/realtime</c>) are relayed byte for byte and are not counted. A client whose last chat
/// socket was closed for a frame flood is refused a new one (429) while it is held in
/// <see cref="EdgeRateLimiters.WebSocketFlooders"/>.
/// </summary>
public sealed class FrameBudgetMiddleware(RequestDelegate next, IOptions<EdgeOptions> options, EdgeRateLimiters limiters, EdgeMetrics metrics, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.Value.WebSocket;
        if (settings.MaxSmallFramesPerSecond > 0 && IsChatSocket(context.Request.Path))
        {
            if (limiters.WebSocketFlooders is { } flooders
                && flooders.IsHeld(ClientAddresses.PartitionKey(context.Connection.RemoteIpAddress), out var left))
            {
                metrics.Rejected(LimitKinds.WebSocketFloodPenalty);
                if (context.Features.Get<EdgeRequestFeature>() is { } feature)
                {
                    feature.Rejected = true;
                }

                return EdgeErrors.RateLimited(
                    $"Your last chat socket was closed for sending more than {settings.MaxSmallFramesPerSecond} small frames a second; open another after {Math.Ceiling(left.TotalSeconds)} s.",
                    left).ExecuteAsync(context);
            }

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
