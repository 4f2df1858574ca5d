using System.Buffers;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using AiCdn.Common.Tokens;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// The first stage of the core's proxy pipeline: only edges may call (cluster signature), the caller's
/// key must be admitted by auth-quota, and the body is read once, bounded, for the fields that
/// admission and accounting need. Nothing reaches an origin before all of that has passed.
/// </summary>
public sealed class AdmissionMiddleware(
    RequestDelegate next,
    ClusterSignature signature,
    AuthQuotaClient authQuota,
    TokenCounter tokens,
    IOptionsMonitor<CoreRelayOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        // An edge proves itself with a client certificate that chained to our CA during the TLS
        // handshake (mutual TLS), or with the shared-secret signature on plain-HTTP links.
        if (context.Connection.ClientCertificate is null
            && !signature.Verify(request.Headers[ClusterSignature.HeaderName], request.Method, request.Path.Value ?? "/"))
        {
            await OpenAiErrors.Forbidden("The core relay only accepts requests from AiCdn edges.").ExecuteAsync(context);
            return;
        }

        if (!ApiKeyHash.TryGetBearer(request.Headers.Authorization, out var key))
        {
            await OpenAiErrors.MissingApiKey().ExecuteAsync(context);
            return;
        }

        var keyHash = ApiKeyHash.Compute(key);
        var settings = options.CurrentValue;

        var summary = new ChatRequestSummary();
        if (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
        {
            var body = await BufferedBody.ReadAsync(request, settings.MaxRequestBodyBytes, context.RequestAborted);
            if (body is null)
            {
                await OpenAiErrors.RequestTooLarge(settings.MaxRequestBodyBytes).ExecuteAsync(context);
                return;
            }

            context.Response.RegisterForDispose(body);
            if (IsJson(request) && body.Length > 0 && !ChatRequestInspector.TryInspect(body.Span, out summary, out var error))
            {
                await OpenAiErrors.InvalidJson(error ?? "invalid JSON").ExecuteAsync(context);
                return;
            }

            request.Body = body.AsStream();
            request.ContentLength = body.Length;
        }

        var promptTokens = summary.Messages.Count > 0 ? tokens.CountChatPrompt(summary.Messages) : 0;
        var estimate = promptTokens + (summary.MaxTokens ?? (summary.Messages.Count > 0 ? settings.DefaultCompletionTokenEstimate : 0));
        var decision = await authQuota.AuthorizeAsync(
            new AuthorizeRequest(keyHash, summary.Model, estimate, summary.Stream, Guid.NewGuid().ToString("N")),
            context.RequestAborted);

        RateLimitHeaders.Apply(context.Response.Headers, decision.RateLimit);
        if (!decision.Allowed)
        {
            var retryAfter = decision.RetryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
            await new OpenAiErrorResult(decision.Status, decision.Error ?? OpenAiErrors.InvalidApiKey().Error, retryAfter).ExecuteAsync(context);
            return;
        }

        context.Features.Set(new RelayFeature(summary, decision, promptTokens));

        // The client's key stops here; the origin sees only the core's own key.
        request.Headers.Remove(HeaderNames.Authorization);
        request.Headers.Remove(ClusterSignature.HeaderName);
        if (!string.IsNullOrEmpty(settings.OriginApiKey))
        {
            request.Headers.Authorization = "Bearer " + settings.OriginApiKey;
        }

        // Our limits replace whatever the origin reports about the core's own origin key.
        context.Response.OnStarting(static state =>
        {
            var (response, rateLimit) = ((HttpResponse, RateLimitState?))state;
            RateLimitHeaders.RemoveOriginHeaders(response.Headers);
            RateLimitHeaders.Apply(response.Headers, rateLimit);
            return Task.CompletedTask;
        }, (context.Response, decision.RateLimit));

        await next(context);
    }

    private static bool IsJson(HttpRequest request) =>
        string.IsNullOrEmpty(request.ContentType)
        || request.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase);
}
