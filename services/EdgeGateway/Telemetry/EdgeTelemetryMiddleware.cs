using AiCdn.Common.Routing;
using AiCdn.Common.Warmup;
using AiCdn.EdgeGateway.Hosting;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.EdgeGateway.Telemetry;

/// <summary>
/// Wraps every public request: settles its request id, counts and times it
/// (<c>aicdn.requests</c>, <c>aicdn.request.duration</c>), and makes every response uncacheable
/// (<c>Cache-Control: no-store</c>, whoever produced it) with <c>X-Accel-Buffering: no</c> on event
/// streams so buffering proxies in front of the edge pass chunks on at once.
/// </summary>
public sealed class EdgeTelemetryMiddleware(RequestDelegate next, EdgeMetrics metrics, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (ListenerRoutingMiddleware.IsManagement(context))
        {
            await next(context);
            return;
        }

        var start = time.GetTimestamp();
        var feature = new EdgeRequestFeature { StartTimestamp = start };
        context.Features.Set(feature);
        var requestId = RequestIds.Apply(context);
        context.Response.OnStarting(static state =>
        {
            var (response, id, feature, metrics, time) = ((HttpResponse, string, EdgeRequestFeature, EdgeMetrics, TimeProvider))state;
            var headers = response.Headers;
            if (feature.CoreLatency is { } coreLatency)
            {
                // The edge's share beside the core's Server-Timing entries: what the client paid for the edge.
                var edge = time.GetElapsedTime(feature.StartTimestamp) - coreLatency;
                metrics.RelayOverhead(edge);
                headers.Append("Server-Timing", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"edge;dur={Math.Max(0, edge.TotalMilliseconds):0.0}"));
            }

            headers.CacheControl = "no-store";
            headers.Remove(HeaderNames.Expires);
            headers.Remove(HeaderNames.ETag);
            headers.Remove(HeaderNames.LastModified);
            headers[RequestIdHeader.Name] = id;
            if (response.ContentType is { } type && type.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                headers["X-Accel-Buffering"] = "no";
            }

            return Task.CompletedTask;
        }, (context.Response, requestId, feature, metrics, time));

        try
        {
            await next(context);
        }
        finally
        {
            // The process's own warm-up traffic is no request anyone made (WarmupTraffic).
            if (!WarmupRequestFeature.Is(context))
            {
                metrics.Request(ApiRoutes.Label(context.Request.Path), context.Response.StatusCode, Result(context, feature), time.GetElapsedTime(start));
            }
        }
    }

    private static string Result(HttpContext context, EdgeRequestFeature feature)
    {
        if (feature.Rejected)
        {
            return "rejected";
        }

        if (context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            return error.Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
                or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or ForwarderError.UpgradeRequestCanceled
                or ForwarderError.UpgradeResponseCanceled
                ? "client_aborted"
                : "upstream_error";
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            return "client_aborted";
        }

        return context.Response.StatusCode < 400 ? "ok" : "error";
    }
}
