using AiCdn.Common.Warmup;
using AiCdn.EdgeGateway.Hosting;
using AiCdn.EdgeGateway.Telemetry;

namespace AiCdn.EdgeGateway.Protection;

/// <summary>
/// The windowed limits: per-client concurrency (held for the whole request, so a stream or socket
/// counts while it is open), per-client rate, then global rate. The per-client checks come first so
/// one noisy client is refused before it spends the global budget. Refusals are 429 with
/// <c>Retry-After</c> from the limiter.
/// </summary>
public sealed class RateLimitingMiddleware(RequestDelegate next, EdgeRateLimiters limiters, EdgeMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // Warm-up traffic takes nothing from a client's or the edge's windows: it would be taken
        // from loopback clients' budget, and from the first real requests'.
        if (ListenerRoutingMiddleware.IsManagement(context) || WarmupRequestFeature.Is(context))
        {
            await next(context);
            return;
        }

        var client = ClientAddresses.PartitionKey(context.Connection.RemoteIpAddress);
        using var concurrency = limiters.ClientConcurrency?.AttemptAcquire(client);
        if (concurrency is { IsAcquired: false })
        {
            await RejectAsync(context, LimitKinds.IpConcurrency, "Too many requests open at once from your address; wait for one to finish.", TimeSpan.FromSeconds(1));
            return;
        }

        if (limiters.TryTakeRate(client) is { } refusal)
        {
            var message = refusal.Limit == LimitKinds.Global
                ? "The edge is receiving more requests than it accepts per second; retry shortly."
                : "Too many requests per second from your address; slow down.";
            await RejectAsync(context, refusal.Limit, message, refusal.RetryAfter);
            return;
        }

        await next(context);
    }

    private Task RejectAsync(HttpContext context, string limit, string message, TimeSpan retryAfter)
    {
        metrics.Rejected(limit);
        if (context.Features.Get<EdgeRequestFeature>() is { } feature)
        {
            feature.Rejected = true;
        }

        return EdgeErrors.RateLimited(message, retryAfter).ExecuteAsync(context);
    }
}
