using System.Text.Unicode;
using AiCdn.Common.Errors;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.Common.Streams;
using AiCdn.CoreRelay.Quota;
using AiCdn.CoreRelay.Resumable;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Step 2: what the request is. It must carry an API key. The original request sent again with
/// <c>Last-Event-ID</c> resumes its stream instead (no second upstream call, no second charge).
/// Otherwise the body is read once, bounded, and every body is inspected whatever its
/// Content-Type claims: JSON (or no Content-Type, read as JSON) or 415, valid UTF-8, one JSON
/// object whose fields the core acts on have the right types and appear once. A large body is
/// inspected only once the key is known to be valid, so a stranger cannot make the core work in
/// proportion to what they send. An upgrade request (WebSocket passthrough) has a stream, not a
/// body: it is admitted on its key alone.
/// </summary>
public sealed class RequestInspectionMiddleware(
    RequestDelegate next,
    QuotaDecisions quota,
    StreamResumer resumer,
    AdmissionRejections rejections,
    IOptionsMonitor<CoreRelayOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!ApiKeyHash.TryGetBearer(request.Headers.Authorization, out var key))
        {
            await rejections.RejectAsync(context, OpenAiErrors.MissingApiKey());
            return;
        }

        var keyHash = ApiKeyHash.Compute(key);
        var settings = options.CurrentValue;
        if (settings.Resumable.Enabled && request.Headers[StreamId.LastEventIdHeader] is { Count: > 0 } lastEventId)
        {
            if (!StreamId.TryParseEventId(lastEventId[0], out var streamId, out var after))
            {
                await rejections.RejectAsync(context, StreamResumer.InvalidEventId());
                return;
            }

            await resumer.ResumeAsync(context, streamId, after, keyHash);
            return;
        }

        var summary = new ChatRequestSummary();
        var askedUsage = false;
        var metered = ApiRoutes.IsMetered(request.Path);
        if (HasBody(context) && !UpgradeRequests.Is(context))
        {
            if (!IsJsonOrUnlabelled(request.ContentType))
            {
                await rejections.RejectAsync(context, UnsupportedMediaType(request.ContentType));
                return;
            }

            var body = await BufferedBody.ReadAsync(request, settings.MaxRequestBodyBytes, context.RequestAborted);
            if (body is null)
            {
                await rejections.RejectAsync(context, OpenAiErrors.RequestTooLarge(settings.MaxRequestBodyBytes));
                return;
            }

            context.Response.RegisterForDispose(body);
            if (body.Length > settings.KeyCheckAboveBodyBytes && await quota.CheckKeyAsync(keyHash, context.RequestAborted) is { } refusal)
            {
                var retryAfter = refusal.RetryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
                await rejections.RejectAsync(context, new OpenAiErrorResult(refusal.Status, refusal.Error ?? OpenAiErrors.InvalidApiKey().Error, retryAfter));
                return;
            }

            if (body.Length > 0 || metered)
            {
                if (!Utf8.IsValid(body.Span))
                {
                    await rejections.RejectAsync(context, OpenAiErrors.InvalidJson("the body is not valid UTF-8"));
                    return;
                }

                if (!ChatRequestInspector.TryInspect(body.Span, out summary, out var error))
                {
                    await rejections.RejectAsync(context, OpenAiErrors.InvalidJson(error ?? "invalid JSON"));
                    return;
                }

                if (summary.OutOfRange is { } outOfRange)
                {
                    await rejections.RejectAsync(context, OpenAiErrors.InvalidParameter(outOfRange.Param, outOfRange.Message));
                    return;
                }
            }

            byte[]? rewritten = null;
            if (summary.Stream && !summary.IncludeUsage && ApiRoutes.TakesStreamOptions(request.Path))
            {
                // Exact accounting needs the origin's usage; the client did not ask for it, so the
                // core asks and removes that chunk before it reaches the client.
                rewritten = RequestBodyRewriter.WithIncludeUsage(body.Span);
                askedUsage = true;
            }

            request.Body = rewritten is null ? body.AsStream() : new MemoryStream(rewritten, writable: false);
            request.ContentLength = rewritten?.Length ?? body.Length;
            if (body.Length > 0 && string.IsNullOrEmpty(request.ContentType))
            {
                // Read as JSON here, so the origin must read it as JSON too.
                request.ContentType = "application/json";
            }
        }
        else if (metered && HttpMethods.IsPost(request.Method))
        {
            await rejections.RejectAsync(context, OpenAiErrors.InvalidJson("The body must be a JSON object."));
            return;
        }

        if (metered && HttpMethods.IsPost(request.Method) && string.IsNullOrEmpty(summary.Model))
        {
            await rejections.RejectAsync(context, OpenAiErrors.MissingParameter("model"));
            return;
        }

        context.Features.Set(new InspectedRequest(keyHash, summary, askedUsage));
        await next(context);
    }

    /// <summary>Whether the request has a body at all (Content-Length, chunked, or an HTTP/2 stream not ended with its headers).</summary>
    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody
        ?? (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0);

    /// <summary><c>application/json</c>, any <c>+json</c> type, or none at all.</summary>
    private static bool IsJsonOrUnlabelled(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || mediaType.MediaType.Value is not { } type)
        {
            return false;
        }

        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static OpenAiErrorResult UnsupportedMediaType(string? contentType) => new(
        StatusCodes.Status415UnsupportedMediaType,
        new OpenAiError(
            $"Unsupported Content-Type '{Truncate(contentType)}': the API takes JSON bodies (Content-Type: application/json).",
            OpenAiErrorTypes.InvalidRequest,
            null,
            "unsupported_media_type"));

    private static string Truncate(string? value) => value is { Length: > 100 } ? value[..100] + "…" : value ?? string.Empty;
}
