using System.Diagnostics;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.Common.Warmup;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Quota;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Tokens;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Step 3: may this key make this call? The prompt is counted (bounded work, stopped when the
/// client leaves), and auth-quota (or this core, against Redis) reserves one request, the token
/// estimate and, for a stream, a concurrency lease. Refused: OpenAI's error with the key's
/// <c>x-ratelimit-*</c> headers. Admitted: the client's key is swapped for the origin's and the
/// request goes on, carrying a <see cref="RelayFeature"/>; nothing reached an origin before this.
/// </summary>
public sealed class AuthorizationMiddleware(
    RequestDelegate next,
    TokenCounter tokens,
    QuotaDecisions quota,
    DecisionSlots decisions,
    LeaseRenewer leases,
    SettlementQueue settlements,
    AdmissionRejections rejections,
    CoreRelayMetrics metrics,
    TimeProvider time,
    IOptionsMonitor<CoreRelayOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var inspected = context.Features.GetRequiredFeature<InspectedRequest>();
        var identity = context.Features.GetRequiredFeature<CoreRequestFeature>();
        var summary = inspected.Summary;
        var settings = options.CurrentValue;
        var request = context.Request;

        int promptTokens;
        try
        {
            promptTokens = (summary.Messages.Count > 0 ? tokens.CountChatPrompt(summary.Messages, context.RequestAborted) : 0) + summary.PromptTokenIds;
            foreach (var text in summary.ToolText)
            {
                promptTokens += tokens.Count(text, context.RequestAborted);
            }

            promptTokens += summary.ImageParts * TokenEstimate.MinimumImageTokens;
            promptTokens = (int)Math.Min(int.MaxValue, promptTokens + summary.AudioTokens);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left while its prompt was being counted: nothing was reserved, nothing to answer.
            return;
        }

        var estimate = TokenEstimate.For(summary, promptTokens, request.Path, settings.DefaultCompletionTokenEstimate);
        var authStart = time.GetTimestamp();
        CoreAttempt.TryParse(request.Headers[CoreAttempt.Header].ToString(), out var attempt);
        var earlierNamedTheKey = true;
        if (attempt is { Number: > 1 } retried)
        {
            earlierNamedTheKey = await CancelEarlierAttemptsAsync(retried, inspected.KeyHash, context.RequestAborted);
        }

        if (WarmupRequestFeature.Is(context))
        {
            // The core's own warm-up stops here, its prompt counted: a decision would ask auth-quota
            // (or Redis) about a key that cannot exist, once per request (unknown keys are not
            // cached), and what follows would call the origin. It gets the answer such a key gets.
            await rejections.RejectAsync(context, OpenAiErrors.InvalidApiKey());
            return;
        }

        AuthorizeDecision decision;
        using (var slot = decisions.TryEnter())
        {
            if (!slot.IsAcquired)
            {
                // As many decisions in flight as this core allows: refused now, nothing reserved.
                await rejections.RejectAsync(context, OpenAiErrors.Overloaded("This core relay"));
                return;
            }

            decision = await quota.AuthorizeAsync(
                new AuthorizeRequest(inspected.KeyHash, summary.Model, estimate, summary.Stream, attempt?.ToString() ?? Guid.NewGuid().ToString("N")),
                context.RequestAborted);
        }

        var authDuration = time.GetElapsedTime(authStart);
        if (!earlierNamedTheKey && attempt is { } named && decision.KeyId is not null)
        {
            // The earlier attempts were cancelled without the key (this core did not know it yet), so
            // a reserve of theirs still on its way would land: cancel again, naming it, which leaves
            // a tombstone for one not made yet.
            for (var number = 1; number < named.Number; number++)
            {
                settlements.Enqueue(Superseded(named, number, decision.KeyId, decision.Tenant));
            }
        }

        RateLimitHeaders.Apply(context.Response.Headers, decision.RateLimit);
        if (!decision.Allowed && decision.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // No answer is not "no": a reserve that timed out may still land in Redis. Cancel it, so
            // it is never charged (a reservation not made yet never will be).
            var (keyId, tenant) = decision.KeyId is not null ? (decision.KeyId, decision.Tenant) : quota.KnownKey(inspected.KeyHash);
            settlements.Enqueue(new SettleRequest(decision.ReservationId, 0, 0, Forwarded: false, SettlementOutcomes.Abandoned, keyId, tenant, Cancel: true));
        }

        if (!decision.Allowed)
        {
            var retryAfter = decision.RetryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
            await rejections.RejectAsync(context, new OpenAiErrorResult(decision.Status, decision.Error ?? OpenAiErrors.InvalidApiKey().Error, retryAfter));
            return;
        }

        var relay = new RelayFeature(identity, summary, decision, promptTokens)
        {
            DropUsageChunk = inspected.AskedUsageForClient,
            AuthDuration = authDuration,
            KeyHash = inspected.KeyHash,
            Resumable = summary.Stream && settings.Resumable.Enabled && !OptsOutOfResume(request),
            Method = request.Method,
            Path = request.Path.Value ?? "/",
            // The hop's server span (the dashboard's top span for this hop), not YARP's forwarder span.
            Activity = context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current,
        };
        if (summary.Stream && TokenEstimate.CompletionUnbounded(summary, promptTokens, request.Path))
        {
            // The origin may stream up to the model's maximum: the stream asks for more as it goes.
            var (reservationId, keyHash) = (decision.ReservationId, inspected.KeyHash);
            relay.Accounting.Budget = new TokenBudget(
                estimate - promptTokens,
                (int)Math.Min(int.MaxValue, (long)summary.Choices * settings.DefaultCompletionTokenEstimate),
                (tokens, cancellationToken) => quota.ExtendAsync(reservationId, keyHash, tokens, cancellationToken),
                metrics);
        }

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
        // client learns what each part of the core's path took (W3C Server Timing).
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

        await next(context);
    }

    /// <summary>
    /// The edge lost the cores of the earlier attempts at this request before they answered: what
    /// they reserved is cancelled before this attempt reserves (their stream leases count against
    /// the same limits), and one they had not reserved yet never will be. The client is charged for
    /// the attempt it receives. Returns whether each cancel could name the key (without it, a
    /// reserve still on its way for an earlier attempt is not stopped: see <see cref="InvokeAsync"/>).
    /// </summary>
    private async Task<bool> CancelEarlierAttemptsAsync(CoreAttempt attempt, string keyHash, CancellationToken cancellationToken)
    {
        var (keyId, tenant) = quota.KnownKey(keyHash);
        for (var number = 1; number < attempt.Number; number++)
        {
            var cancel = Superseded(attempt, number, keyId, tenant);
            bool done;
            try
            {
                done = await quota.SettleAsync(cancel, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                done = false;
            }

            if (!done)
            {
                // Not now (the store is slow, or the client left): the queue retries it.
                settlements.Enqueue(cancel);
            }
        }

        return keyId is not null;
    }

    /// <summary>The cancel of attempt <paramref name="number"/> of the same request, given back in full.</summary>
    private static SettleRequest Superseded(CoreAttempt attempt, int number, string? keyId, string? tenant) =>
        new(attempt.NameOf(number), 0, 0, Forwarded: false, SettlementOutcomes.Superseded, keyId, tenant, Cancel: true);

    /// <summary>A client may ask for plain relaying: <c>x-aicdn-resumable: false</c>.</summary>
    private static bool OptsOutOfResume(HttpRequest request) =>
        request.Headers["x-aicdn-resumable"] is { Count: > 0 } value
        && (string.Equals(value[0], "false", StringComparison.OrdinalIgnoreCase) || value[0] == "0" || string.Equals(value[0], "off", StringComparison.OrdinalIgnoreCase));
}
