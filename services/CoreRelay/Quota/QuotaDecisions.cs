using AiCdn.Common;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using AiCdn.Quota.Decisions;

namespace AiCdn.CoreRelay.Quota;

/// <summary>
/// The core's quota decisions (authorize, settle, renew, key checks): made here against Redis
/// (<see cref="DirectQuota"/>) when a key's context is at hand, otherwise asked of auth-quota's
/// signed internal API. Failures become a 503 decision, never an exception.
/// </summary>
public sealed partial class QuotaDecisions(HttpClient http, ClusterSignature signature, TimeProvider time, ILogger<QuotaDecisions> logger, DirectQuota? direct = null)
{
    public async Task<AuthorizeDecision> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        var refresh = false;
        var context = direct?.Contexts.Find(request.KeyHash, out refresh);
        if (context is null && !refresh && await JoinFetchAsync(request.KeyHash, cancellationToken))
        {
            context = direct!.Contexts.Find(request.KeyHash, out refresh);
        }

        try
        {
            return await DecideAsync(request, context, refresh, cancellationToken);
        }
        catch when (refresh)
        {
            // The client went away mid-decision while this call was to fetch the key's context:
            // let the next call do it (or the key would stay with auth-quota for good).
            direct!.Contexts.RefreshFailed(request.KeyHash, keyGone: false);
            throw;
        }
    }

    /// <summary>
    /// Whether the key is valid now, before work that grows with the request's body: from the key's
    /// context when this core holds one (no I/O), else asked of auth-quota. Nothing is reserved.
    /// Null when valid; otherwise the refusal to answer with (503 when auth-quota cannot be asked).
    /// </summary>
    public async Task<KeyCheckResult?> CheckKeyAsync(string keyHash, CancellationToken cancellationToken)
    {
        var context = direct?.Contexts.Peek(keyHash);
        if (context is null && await JoinFetchAsync(keyHash, cancellationToken))
        {
            context = direct!.Contexts.Peek(keyHash);
        }

        if (context is not null)
        {
            return QuotaVerdicts.CheckKey(context.Enabled, context.ExpiresAt, models: null, model: null, time.GetUtcNow()) is { } refusal
                ? new KeyCheckResult(false, refusal.Status, refusal.Error)
                : null;
        }

        try
        {
            using var message = Signed(HttpMethod.Post, QuotaRoutes.KeyCheck);
            message.Content = JsonContent.Create(new KeyCheckRequest(keyHash), CommonJsonContext.Default.KeyCheckRequest);
            using var response = await http.SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode
                && await response.Content.ReadFromJsonAsync(CommonJsonContext.Default.KeyCheckResult, cancellationToken) is { } result
                && (result.Valid || result.Status >= 400))
            {
                return result.Valid ? null : result;
            }

            LogUnexpectedStatus(logger, (int)response.StatusCode);
        }
        catch (Exception ex) when ((IsUnavailable(ex) || ex is System.Text.Json.JsonException) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex);
        }

        return new KeyCheckResult(false, StatusCodes.Status503ServiceUnavailable, AuthUnavailable, RetryAfterMs: 1000);
    }

    /// <summary>
    /// When another call is fetching this key's context from auth-quota, waits for that fetch (at
    /// most <see cref="s_joinFetchAtMost"/>) instead of asking auth-quota as well. A burst on a key
    /// whose context expired would otherwise send every request of the burst to auth-quota, and on
    /// a busy machine that herd is what makes auth-quota time out for all of them. True when it
    /// waited for a fetch that ended.
    /// </summary>
    private async ValueTask<bool> JoinFetchAsync(string keyHash, CancellationToken cancellationToken)
    {
        if (direct?.Contexts.FetchInFlight(keyHash) is not { } fetch)
        {
            return false;
        }

        try
        {
            await fetch.WaitAsync(s_joinFetchAtMost, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>A little above auth-quota's call timeout: a fetch ends (taken or failed) well within it.</summary>
    private static readonly TimeSpan s_joinFetchAtMost = TimeSpan.FromSeconds(3);

    /// <summary>The key's id and tenant when this core holds its context (for cancelling exactly); nulls otherwise.</summary>
    public (string? KeyId, string? Tenant) KnownKey(string keyHash) =>
        direct?.Contexts.Peek(keyHash) is { } context ? (context.KeyId, context.Tenant) : (null, null);

    private static readonly OpenAiError AuthUnavailable =
        new("The authorisation service is unavailable; the request was not forwarded.", OpenAiErrorTypes.Unavailable, null, "auth_unavailable");

    private async Task<AuthorizeDecision> DecideAsync(AuthorizeRequest request, KeyContext? context, bool refresh, CancellationToken cancellationToken)
    {
        if (context is not null && await direct!.AuthorizeAsync(request, context, cancellationToken) is { } decided)
        {
            if (refresh)
            {
                StartContextRefresh(request.KeyHash);
            }

            return decided;
        }

        // Without a context, auth-quota decides and (when asked) hands the key's context over in the
        // same answer, so the key's next calls within the context's lifetime are decided here.
        var decision = await AskAuthQuotaAsync(refresh ? request with { IncludeContext = true } : request, cancellationToken);
        if (refresh)
        {
            if (decision.Context is { } json && TryReadContext(json) is { } handedOver)
            {
                StartAccept(request.KeyHash, handedOver);
            }
            else
            {
                direct!.Contexts.RefreshFailed(request.KeyHash, keyGone: decision.Status == StatusCodes.Status401Unauthorized);
            }
        }

        // The context is for DirectQuota only; nothing after admission needs it.
        return decision.Context is null ? decision : decision with { Context = null };
    }

    private async Task<AuthorizeDecision> AskAuthQuotaAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var message = Signed(HttpMethod.Post, QuotaRoutes.Authorize);
            message.Content = JsonContent.Create(request, CommonJsonContext.Default.AuthorizeRequest);
            using var response = await http.SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode
                && await response.Content.ReadFromJsonAsync(CommonJsonContext.Default.AuthorizeDecision, cancellationToken) is { } decision
                && (decision.Allowed || decision.Status >= 400))
            {
                return decision;
            }

            LogUnexpectedStatus(logger, (int)response.StatusCode);
        }
        catch (Exception ex) when ((IsUnavailable(ex) || ex is System.Text.Json.JsonException) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex);
        }

        return new AuthorizeDecision(
            false,
            StatusCodes.Status503ServiceUnavailable,
            request.ReservationId,
            Error: AuthUnavailable,
            RetryAfterMs: 1000);
    }

    /// <summary>
    /// Settles a reservation. True when auth-quota took it (or no longer knows the reservation, which
    /// then expired on its own); false when it should be tried again.
    /// </summary>
    public async Task<bool> SettleAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        if (direct is not null && await direct.SettleAsync(request, cancellationToken) is not null)
        {
            return true;
        }

        try
        {
            using var message = Signed(HttpMethod.Post, QuotaRoutes.Settle);
            message.Content = JsonContent.Create(request, CommonJsonContext.Default.SettleRequest);
            using var response = await http.SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                if (!request.Cancel)
                {
                    // A cancel of a reservation that was never made finds nothing, as it should.
                    LogReservationGone(logger, request.ReservationId);
                }

                return true;
            }

            LogUnexpectedStatus(logger, (int)response.StatusCode);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex);
        }

        return false;
    }

    /// <summary>Extends an open reservation's TTL (a stream still running).</summary>
    public async Task<Accounting.RenewResult> RenewAsync(string reservationId, CancellationToken cancellationToken)
    {
        if (direct is not null && await direct.RenewAsync(reservationId, cancellationToken) is true)
        {
            return Accounting.RenewResult.Renewed;
        }

        try
        {
            using var message = Signed(HttpMethod.Post, QuotaRoutes.Renew(reservationId));
            using var response = await http.SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return Accounting.RenewResult.Renewed;
            }

            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return Accounting.RenewResult.Gone;
            }

            LogUnexpectedStatus(logger, (int)response.StatusCode);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex);
        }

        return Accounting.RenewResult.Failed;
    }

    /// <summary>
    /// Adds <paramref name="tokens"/> to a stream's reservation if the key's and its tenant's token
    /// limits have room: in Redis when this core holds the key's context, else asked of auth-quota.
    /// </summary>
    public async Task<Accounting.ExtensionResult> ExtendAsync(string reservationId, string keyHash, long tokens, CancellationToken cancellationToken)
    {
        if (direct is not null && await direct.ExtendAsync(reservationId, keyHash, tokens, cancellationToken) is { } decided)
        {
            return decided == AiCdn.Quota.ExtendOutcome.Extended ? Accounting.ExtensionResult.Extended : Accounting.ExtensionResult.Refused;
        }

        try
        {
            using var message = Signed(HttpMethod.Post, QuotaRoutes.Extend(reservationId));
            message.Content = JsonContent.Create(new ExtendRequest(keyHash, tokens), CommonJsonContext.Default.ExtendRequest);
            using var response = await http.SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return Accounting.ExtensionResult.Extended;
            }

            if (response.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
            {
                return Accounting.ExtensionResult.Refused;
            }

            if (response.StatusCode != System.Net.HttpStatusCode.NotFound)
            {
                LogUnexpectedStatus(logger, (int)response.StatusCode);
            }
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex);
        }

        return Accounting.ExtensionResult.Unknown;
    }

    private KeyContext? TryReadContext(System.Text.Json.JsonElement json)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(json, QuotaJsonContext.Default.KeyContext);
        }
        catch (System.Text.Json.JsonException ex)
        {
            LogContextUnavailable(logger, ex.GetType().Name);
            return null;
        }
    }

    /// <summary>Verifying a new store may take a Redis round trip: done off the request's path.</summary>
    private void StartAccept(string keyHash, KeyContext context)
    {
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => direct!.AcceptAsync(keyHash, context));
        }
    }

    /// <summary>Starts <see cref="RefreshContextAsync"/> outside the request's execution context, so the call is not part of the client's trace.</summary>
    private void StartContextRefresh(string keyHash)
    {
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => RefreshContextAsync(keyHash));
        }
    }

    /// <summary>Fetches a key's context for <see cref="DirectQuota"/>, off the request's path; a failure only means auth-quota keeps deciding.</summary>
    private async Task RefreshContextAsync(string keyHash)
    {
        var keyGone = false;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var message = Signed(HttpMethod.Post, QuotaRoutes.KeyContext);
            message.Content = JsonContent.Create(new KeyContextRequest(keyHash), QuotaJsonContext.Default.KeyContextRequest);
            using var response = await http.SendAsync(message, timeout.Token);
            if (response.IsSuccessStatusCode
                && await response.Content.ReadFromJsonAsync(QuotaJsonContext.Default.KeyContext, timeout.Token) is { } context)
            {
                await direct!.AcceptAsync(keyHash, context);
                return;
            }

            keyGone = response.StatusCode == System.Net.HttpStatusCode.Unauthorized;
            if (response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                LogNoSharedStore(logger);
            }
        }
        catch (Exception ex)
        {
            // Off the request's path: whatever went wrong, auth-quota keeps deciding for this key
            // and the next call may fetch the context again.
            LogContextUnavailable(logger, ex.GetType().Name);
        }

        direct!.Contexts.RefreshFailed(keyHash, keyGone);
    }

    /// <summary>auth-quota could not be reached, or did not answer within the resilience pipeline's timeout.</summary>
    private static bool IsUnavailable(Exception exception) =>
        exception is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException;

    private HttpRequestMessage Signed(HttpMethod method, string path)
    {
        var message = new HttpRequestMessage(method, path);
        signature.Sign(message);
        return message;
    }

    [LoggerMessage(EventId = 1, EventName = "AuthQuotaUnreachable", Level = LogLevel.Warning, Message = "auth-quota could not be reached.")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, EventName = "ReservationGone", Level = LogLevel.Warning, Message = "auth-quota no longer knows reservation {ReservationId}; it expired before it was settled.")]
    private static partial void LogReservationGone(ILogger logger, string reservationId);

    [LoggerMessage(EventId = 4, EventName = "KeyContextUnavailable", Level = LogLevel.Debug, Message = "auth-quota did not hand over a key context ({ExceptionType}); it keeps deciding for that key.")]
    private static partial void LogContextUnavailable(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 5, EventName = "NoSharedQuotaStore", Level = LogLevel.Debug, Message = "auth-quota keeps its counters in memory; every decision is a call to auth-quota.")]
    private static partial void LogNoSharedStore(ILogger logger);

    [LoggerMessage(EventId = 2, EventName = "AuthQuotaUnexpectedStatus", Level = LogLevel.Warning, Message = "auth-quota answered {Status}.")]
    private static partial void LogUnexpectedStatus(ILogger logger, int status);
}
