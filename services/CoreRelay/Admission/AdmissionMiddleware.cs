using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using AiCdn.Common.Tokens;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Resumable;
using AiCdn.CoreRelay.Telemetry;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using AiCdn.Common.Streams;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// The first stage of the core's proxy pipeline: only edges may call (mutual TLS or the cluster
/// signature), the caller's key must be admitted by auth-quota (which reserves a request, a token
/// estimate and a stream lease), and the body is read once, bounded, for the fields admission and
/// accounting need. Nothing reaches an origin before all of that has passed. When the response is
/// over, however it ended, the reservation is settled with what the origin really produced.
/// </summary>
public sealed class AdmissionMiddleware(
    RequestDelegate next,
    ClusterSignature signature,
    AuthQuotaClient authQuota,
    SettlementQueue settlements,
    LeaseRenewer leases,
    TokenCounter tokens,
    CoreRelayMetrics metrics,
    AccessLog accessLog,
    StreamResumer resumer,
    TimeProvider time,
    IOptionsMonitor<CoreRelayOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var start = time.GetTimestamp();
        var request = context.Request;

        if (!EdgeAuthentication.IsEdge(context, signature))
        {
            await RejectAsync(context, OpenAiErrors.Forbidden("The core relay only accepts requests from AiCdn edges."), start);
            return;
        }

        if (!ApiKeyHash.TryGetBearer(request.Headers.Authorization, out var key))
        {
            await RejectAsync(context, OpenAiErrors.MissingApiKey(), start);
            return;
        }

        var keyHash = ApiKeyHash.Compute(key);
        var settings = options.CurrentValue;

        // The original request sent again with Last-Event-ID resumes its stream: no second upstream
        // call, no second charge.
        if (settings.Resumable.Enabled && request.Headers[StreamId.LastEventIdHeader] is { Count: > 0 } lastEventId)
        {
            if (!StreamId.TryParseEventId(lastEventId[0], out var streamId, out var after))
            {
                await RejectAsync(context, StreamResumer.InvalidEventId(), start);
                return;
            }

            await resumer.ResumeAsync(context, streamId, after, keyHash);
            return;
        }

        var summary = new ChatRequestSummary();
        byte[]? rewritten = null;
        if (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
        {
            var body = await BufferedBody.ReadAsync(request, settings.MaxRequestBodyBytes, context.RequestAborted);
            if (body is null)
            {
                await RejectAsync(context, OpenAiErrors.RequestTooLarge(settings.MaxRequestBodyBytes), start);
                return;
            }

            context.Response.RegisterForDispose(body);
            if (IsJson(request) && body.Length > 0)
            {
                if (!ChatRequestInspector.TryInspect(body.Span, out summary, out var error))
                {
                    await RejectAsync(context, OpenAiErrors.InvalidJson(error ?? "invalid JSON"), start);
                    return;
                }

                if (summary.Stream && !summary.IncludeUsage && AsksForUsageOption(request.Path))
                {
                    // Exact accounting needs the origin's usage; the client did not ask for it, so
                    // the core asks and removes that chunk before it reaches the client.
                    rewritten = RequestBodyRewriter.WithIncludeUsage(body.Span);
                }
            }

            request.Body = rewritten is null ? body.AsStream() : new MemoryStream(rewritten, writable: false);
            request.ContentLength = rewritten?.Length ?? body.Length;
        }

        var promptTokens = (summary.Messages.Count > 0 ? tokens.CountChatPrompt(summary.Messages) : 0) + summary.PromptTokenIds;
        var estimate = EstimateTokens(summary, promptTokens, request.Path, settings.DefaultCompletionTokenEstimate);
        var authStart = time.GetTimestamp();
        var decision = await authQuota.AuthorizeAsync(
            new AuthorizeRequest(keyHash, summary.Model, estimate, summary.Stream, Guid.NewGuid().ToString("N")),
            context.RequestAborted);
        var authDuration = time.GetElapsedTime(authStart);

        RateLimitHeaders.Apply(context.Response.Headers, decision.RateLimit);
        if (!decision.Allowed)
        {
            var retryAfter = decision.RetryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
            await RejectAsync(context, new OpenAiErrorResult(decision.Status, decision.Error ?? OpenAiErrors.InvalidApiKey().Error, retryAfter), start);
            return;
        }

        var relay = new RelayFeature(summary, decision, promptTokens, start)
        {
            DropUsageChunk = rewritten is not null,
            AuthDuration = authDuration,
            KeyHash = keyHash,
            Resumable = summary.Stream && settings.Resumable.Enabled && !OptsOutOfResume(request),
            RequestId = AccessLog.RequestId(context),
            Method = request.Method,
            Path = request.Path.Value ?? "/",
            Route = RouteOf(request.Path),
            // The hop's server span (the dashboard's top span for this hop), not YARP's forwarder span.
            Activity = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>()?.Activity ?? Activity.Current,
        };
        context.Features.Set(relay);
        leases.Track(decision.ReservationId);

        // The client's key stops here; the origin sees only the core's own key.
        request.Headers.Remove(HeaderNames.Authorization);
        request.Headers.Remove(ClusterSignature.HeaderName);
        if (!string.IsNullOrEmpty(settings.OriginApiKey))
        {
            request.Headers.Authorization = "Bearer " + settings.OriginApiKey;
        }

        // Our limits replace whatever the origin reports about the core's own origin key, and the
        // client learns what each part of the core's path took (RFC: W3C Server Timing).
        context.Response.OnStarting(static state =>
        {
            var (response, relay, time, metrics) = ((HttpResponse, RelayFeature, TimeProvider, CoreRelayMetrics))state;
            RateLimitHeaders.RemoveOriginHeaders(response.Headers);
            RateLimitHeaders.Apply(response.Headers, relay.Decision.RateLimit);
            var toHeaders = time.GetElapsedTime(relay.StartTimestamp);
            response.Headers.Append("Server-Timing", ServerTiming.Format(toHeaders, relay.AuthDuration, relay.OriginLatency));
            metrics.RelayOverhead(toHeaders - relay.OriginLatency);
            return Task.CompletedTask;
        }, (context.Response, relay, time, metrics));

        var streaming = summary.Stream;
        if (streaming)
        {
            metrics.StreamOpened();
        }

        try
        {
            await next(context);
        }
        finally
        {
            if (streaming)
            {
                metrics.StreamClosed();
            }

            if (relay.Session is { Completion.IsCompleted: false } session)
            {
                // The client left a resumable stream: the core keeps consuming the origin for the
                // grace period, and settles when the stream is really over.
                _ = SettleWhenDoneAsync(relay, session, context.Response.StatusCode);
            }
            else
            {
                var clientGone = context.RequestAborted.IsCancellationRequested;
                Settle(relay, context.Response.StatusCode, clientGone, relay.Activity, originHadRequest: clientGone && WasSentWhole(context.Request.Body));
            }
        }
    }

    private async Task SettleWhenDoneAsync(RelayFeature relay, StreamSession session, int status)
    {
        await session.Completion;

        // The request (and its span) ended long ago: nothing may touch its HttpContext now. The
        // client that left may have resumed: how the stream ended is what the session recorded.
        Settle(relay, status, clientGone: false, activity: null);
    }

    /// <summary>
    /// Whether the forwarder read the whole buffered body, i.e. the origin has the request: the body
    /// is read only once a connection to the origin is open (failover rewinds it for each attempt).
    /// </summary>
    private static bool WasSentWhole(Stream body) =>
        body is MemoryStream { CanSeek: true } buffered && buffered.Length > 0 && buffered.Position >= buffered.Length;

    /// <summary>
    /// Charges what the origin did. A success: the request and its real usage. A refusal the client
    /// caused (4xx other than 429): the request, no tokens; the origin still served it. A client that
    /// left after the origin had the whole request but before it answered: the request, the prompt
    /// and whatever was relayed, as for a client leaving mid-stream. Everything else (unreachable,
    /// 5xx, the origin's own 429) is the origin's failure, not the client's: refunded.
    /// </summary>
    private void Settle(RelayFeature relay, int status, bool clientGone, Activity? activity, bool originHadRequest = false)
    {
        var accounting = relay.Accounting;
        var originStatus = accounting.OriginStatus;
        var forwarded = originStatus is >= 200 and < 300
            || (originStatus is >= 400 and < 500 && originStatus != StatusCodes.Status429TooManyRequests)
            || (originStatus == 0 && originHadRequest);
        int prompt, completion;
        string outcome;
        if (!forwarded)
        {
            (prompt, completion) = (0, 0);
            outcome = originStatus == 0 ? "origin_unreachable" : "origin_error";
        }
        else if (originStatus >= 400)
        {
            (prompt, completion) = (0, 0);
            outcome = "origin_rejected";
        }
        else if (accounting.OriginUsage is { } usage)
        {
            (prompt, completion) = (usage.PromptTokens, usage.CompletionTokens);
            outcome = accounting.RelayFailure ?? (clientGone ? "client_disconnected" : "completed");
        }
        else
        {
            // No usage from the origin (it died, stalled, or the client left first): charge the
            // prompt as counted and the completion tokens actually relayed.
            (prompt, completion) = (relay.EstimatedPromptTokens, accounting.RelayedCompletionTokens);
            outcome = accounting.RelayFailure ?? (clientGone ? "client_disconnected" : "completed_without_usage");
        }

        leases.Forget(relay.Decision.ReservationId);
        settlements.Enqueue(
            new SettleRequest(relay.Decision.ReservationId, prompt, completion, forwarded, outcome, relay.Decision.KeyId, relay.Decision.Tenant),
            relay.Activity?.Context ?? default);

        var model = relay.Summary.Model;
        if (forwarded)
        {
            metrics.Tokens(relay.Decision.Tenant, model, prompt, completion);
        }

        TimeSpan? ttft = accounting.FirstContentTimestamp != 0 ? time.GetElapsedTime(relay.StartTimestamp, accounting.FirstContentTimestamp) : null;
        if (ttft is { } firstToken)
        {
            metrics.TimeToFirstToken(firstToken, model);
        }

        var duration = time.GetElapsedTime(relay.StartTimestamp);
        accessLog.Completed(relay, activity, status, outcome, prompt, completion, ttft, duration);

        var result = outcome switch
        {
            "completed" or "completed_without_usage" => "ok",
            "client_disconnected" => "client_disconnected",
            "origin_error" or "origin_unreachable" => "origin_error",
            "origin_rejected" => "origin_rejected",
            _ => "upstream_failed",
        };
        metrics.Request(relay.Route, status, result, duration);
    }

    private async Task RejectAsync(HttpContext context, OpenAiErrorResult error, long start)
    {
        await error.ExecuteAsync(context);
        var duration = time.GetElapsedTime(start);
        metrics.Request(RouteOf(context.Request.Path), error.StatusCode, "rejected", duration);
        accessLog.Rejected(context, error.StatusCode, error.Error.Code, duration);
    }

    /// <summary>A client may ask for plain relaying: <c>x-aicdn-resumable: false</c>.</summary>
    private static bool OptsOutOfResume(HttpRequest request) =>
        request.Headers["x-aicdn-resumable"] is { Count: > 0 } value
        && (string.Equals(value[0], "false", StringComparison.OrdinalIgnoreCase) || value[0] == "0" || string.Equals(value[0], "off", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// What the reservation holds until the origin's usage settles it: the prompt, plus each of the
    /// request's completions at its limit (or the configured default when it names none). Embeddings
    /// generate nothing but their input. Clamped, so an absurd <c>n</c> is refused as too large
    /// rather than overflowing.
    /// </summary>
    internal static int EstimateTokens(ChatRequestSummary summary, int promptTokens, PathString path, int defaultCompletion)
    {
        var asksForCompletion = promptTokens > 0 || summary.MaxTokens is not null;
        if (path.StartsWithSegments("/v1/embeddings") || !asksForCompletion)
        {
            return promptTokens;
        }

        var perChoice = (long)Math.Max(0, summary.MaxTokens ?? defaultCompletion);
        return (int)Math.Min(int.MaxValue, promptTokens + (perChoice * summary.Choices));
    }

    private static bool AsksForUsageOption(PathString path) =>
        path.StartsWithSegments("/v1/chat/completions") || path.StartsWithSegments("/v1/completions");

    private static bool IsJson(HttpRequest request) =>
        string.IsNullOrEmpty(request.ContentType)
        || request.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase);

    public static string RouteOf(PathString path) =>
        path.StartsWithSegments("/v1/chat/completions") ? "chat_completions"
        : path.StartsWithSegments("/v1/responses") ? "responses"
        : path.StartsWithSegments("/v1/completions") ? "completions"
        : path.StartsWithSegments("/v1/embeddings") ? "embeddings"
        : path.StartsWithSegments("/v1/models") ? "models"
        : "other";
}
