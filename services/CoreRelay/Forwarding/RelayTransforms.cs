using System.Net.Http.Headers;
using AiCdn.Common.Routing;
using AiCdn.Common.Streams;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Admission;
using AiCdn.CoreRelay.Resumable;
using AiCdn.CoreRelay.Telemetry;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>
/// The core's response transform: holds back a failed attempt that another origin may still serve,
/// and routes every successful body through the accounting streams on its way to the client.
/// </summary>
public sealed class RelayTransforms(
    OriginHeaderPolicy headerPolicy,
    SseEventInspector inspector,
    TimeProvider time,
    CoreRelayMetrics metrics,
    StreamRegistry registry,
    IOptionsMonitor<CoreRelayOptions> options) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(KeepAllowedHeaders);
        context.AddResponseTransform(Transform);
    }

    private ValueTask KeepAllowedHeaders(RequestTransformContext context)
    {
        var upgrade = UpgradeRequests.Is(context.HttpContext);
        Prune(context.ProxyRequest.Headers, upgrade);
        if (context.ProxyRequest.Content is { } content)
        {
            Prune(content.Headers, upgrade);
        }

        return ValueTask.CompletedTask;
    }

    private void Prune(HttpHeaders headers, bool upgrade)
    {
        List<string>? dropped = null;
        foreach (var header in headers)
        {
            if (!headerPolicy.Allows(header.Key, upgrade))
            {
                (dropped ??= []).Add(header.Key);
            }
        }

        foreach (var name in dropped ?? [])
        {
            headers.Remove(name);
        }
    }

    private ValueTask Transform(ResponseTransformContext context)
    {
        var relay = context.HttpContext.Features.Get<RelayFeature>();
        var attempt = context.HttpContext.Features.Get<OriginAttempt>();
        var response = context.ProxyResponse;
        if (relay is null || attempt is null || response is null)
        {
            return ValueTask.CompletedTask;
        }

        var latency = time.GetElapsedTime(attempt.StartTimestamp);
        metrics.UpstreamLatency(latency);
        var status = (int)response.StatusCode;
        if (attempt.CanRetry && (status >= 500 || status == StatusCodes.Status429TooManyRequests))
        {
            // Nothing of this answer reaches the client: failover tries the next origin.
            attempt.HoldBack(status, RetryAfterOf(response.Headers.RetryAfter));
            context.SuppressResponseBody = true;
            return ValueTask.CompletedTask;
        }

        relay.OriginLatency = latency;
        foreach (var name in OriginHeaderPolicy.AccountResponseHeaders)
        {
            context.HttpContext.Response.Headers.Remove(name);
        }

        relay.Accounting.OriginStatus = status;
        if (status is < 200 or >= 300)
        {
            return ValueTask.CompletedTask;
        }

        var settings = options.CurrentValue;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var headers = context.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        if (string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            headers["X-Accel-Buffering"] = "no";
            var accounting = relay.Accounting;
            var drop = relay.DropUsageChunk;
            if (relay.Resumable)
            {
                // The stream outlives this response: a session reads the origin, YARP reads the session.
                var session = registry.Create(relay.Accounting, relay.KeyHash);
                relay.Session = session;
                headers[StreamId.Header] = session.Id;
                headers[StreamId.PromptTokensHeader] = accounting.CountedPromptTokens.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var origin = response.Content;
                response.Content = new RelayHttpContent(origin, upstream =>
                {
                    // Subscribe before the first event exists, so none can be dropped before this reader had it.
                    var reader = session.Subscribe(afterSeq: 0)!;
                    session.Start(new SseEventReader(upstream, accounting, inspector, drop, settings.StreamIdleTimeout, time, session), origin);
                    return reader;
                }, ownsOrigin: false);
            }
            else
            {
                response.Content = new RelayHttpContent(response.Content, upstream =>
                    new SseRelayStream(upstream, accounting, inspector, drop, settings.StreamIdleTimeout, time));
            }
        }
        else if (mediaType?.EndsWith("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            var accounting = relay.Accounting;
            response.Content = new RelayHttpContent(response.Content, upstream =>
                new JsonUsageStream(upstream, accounting, settings.UsageScanCapBytes));
        }

        return ValueTask.CompletedTask;
    }

    private TimeSpan? RetryAfterOf(RetryConditionHeaderValue? retryAfter) => retryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };
}
