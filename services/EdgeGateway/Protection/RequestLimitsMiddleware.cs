using AiCdn.Common.Errors;
using AiCdn.Common.Overload;
using AiCdn.Common.Routing;
using AiCdn.Common.Warmup;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Hosting;
using AiCdn.EdgeGateway.Telemetry;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.Protection;

/// <summary>
/// Refusals that need no counting window, in the order a request meets them: the edge is draining
/// (503), it cannot keep up (503 <c>overloaded</c>, <see cref="IOverloadSignal"/>), its connection came over <c>MAX_CONNECTIONS</c> (503), its headers are too many or too
/// large (431), it is a CONNECT or TRACE (405) or a WebSocket upgrade where none is served (400),
/// its declared body is too large (413), or it asks to upgrade while every upgraded slot is taken (503). Each answer is OpenAI's error body. Bodies without a declared length are
/// held to the same limit by Kestrel while they are read.
/// </summary>
public sealed class RequestLimitsMiddleware(
    RequestDelegate next,
    DrainCoordinator drain,
    IOverloadSignal overload,
    ConnectionLimits connections,
    EdgeMetrics metrics,
    IOptions<EdgeOptions> options)
{
    private long _upgraded;

    public async Task InvokeAsync(HttpContext context)
    {
        if (ListenerRoutingMiddleware.IsManagement(context))
        {
            await next(context);
            return;
        }

        var limits = options.Value.Limits;
        if (drain.IsDraining)
        {
            CloseConnectionAfterResponse(context);
            await RejectAsync(context, LimitKinds.Draining, EdgeErrors.Draining());
            return;
        }

        if (overload.Overloaded && !context.Request.Path.StartsWithSegments(ApiRoutes.Streams))
        {
            // Cheaper to refuse now than to queue: the queue is what makes every request slow.
            // A resume continues a stream already paid for, and is let through.
            await RejectAsync(context, LimitKinds.Overload, OpenAiErrors.Overloaded("This edge"));
            return;
        }

        if (context.Features.Get<EdgeConnectionFeature>() is { OverLimit: true })
        {
            // Already counted when the connection arrived.
            CloseConnectionAfterResponse(context);
            await RejectAsync(context, null, EdgeErrors.TooManyConnections());
            return;
        }

        var (count, size) = Measure(context.Request.Headers);
        if (count > limits.MaxRequestHeaderCount)
        {
            await RejectAsync(context, LimitKinds.HeaderCount, EdgeErrors.HeadersTooLarge($"{count} header lines; the limit is {limits.MaxRequestHeaderCount}"));
            return;
        }

        if (size > limits.MaxRequestHeadersTotalSize)
        {
            await RejectAsync(context, LimitKinds.HeaderSize, EdgeErrors.HeadersTooLarge($"{size} bytes; the limit is {limits.MaxRequestHeadersTotalSize}"));
            return;
        }

        var isWebSocket = context.WebSockets.IsWebSocketRequest;
        if (!isWebSocket && (HttpMethods.IsConnect(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method)))
        {
            // Neither is an API call: CONNECT would open a tunnel, TRACE echoes headers back.
            context.Response.Headers.Allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
            await RejectAsync(context, null, EdgeErrors.MethodNotAllowed(context.Request.Method));
            return;
        }

        if (isWebSocket && !ApiRoutes.TakesWebSocket(context.Request.Path))
        {
            await RejectAsync(context, null, EdgeErrors.WebSocketNotServed(context.Request.Path));
            return;
        }

        if (context.Request.ContentLength > limits.MaxRequestBodySize)
        {
            // The body stays unread and is too large for Kestrel to drain: say the connection ends
            // here, or a client reusing it would find it closed under its next request.
            CloseConnectionAfterResponse(context);
            await RejectAsync(context, LimitKinds.BodySize, OpenAiErrors.RequestTooLarge(limits.MaxRequestBodySize));
            return;
        }

        if (!isWebSocket)
        {
            await next(context);
            return;
        }

        // Upgraded connections live as long as their socket; Kestrel's own cap would fail the upgrade
        // without a response body, so ours, equal to it, answers first.
        if (Interlocked.Increment(ref _upgraded) > connections.Soft)
        {
            Interlocked.Decrement(ref _upgraded);
            await RejectAsync(context, LimitKinds.UpgradedConnections, EdgeErrors.TooManyConnections());
            return;
        }

        try
        {
            await next(context);
        }
        finally
        {
            Interlocked.Decrement(ref _upgraded);
        }
    }

    /// <summary>Header lines and their size as HTTP/1.1 would carry them ("name: value\r\n").</summary>
    public static (int Count, long Size) Measure(IHeaderDictionary headers)
    {
        var count = 0;
        long size = 0;
        foreach (var header in headers)
        {
            foreach (var value in header.Value)
            {
                count++;
                size += header.Key.Length + (value?.Length ?? 0) + 4;
            }
        }

        return (count, size);
    }

    private static void CloseConnectionAfterResponse(HttpContext context) =>
        // HTTP/1.1: Connection: close after this response; HTTP/2: GOAWAY.
        context.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();

    private Task RejectAsync(HttpContext context, string? limit, OpenAiErrorResult error)
    {
        if (limit is not null && !WarmupRequestFeature.Is(context))
        {
            metrics.Rejected(limit);
        }

        if (context.Features.Get<EdgeRequestFeature>() is { } feature)
        {
            feature.Rejected = true;
        }

        return error.ExecuteAsync(context);
    }
}
