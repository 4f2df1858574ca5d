using AiCdn.AuthQuota.Keys;
using AiCdn.AuthQuota.Quota;
using AiCdn.AuthQuota.Storage;
using AiCdn.AuthQuota.Telemetry;
using AiCdn.AuthQuota.Tenants;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Decisions;

/// <summary>
/// Decides whether a key may make a call and reserves what the call may use; settles and renews
/// reservations. Quota counters come from the store on every call; a key's record may come from
/// this replica's <see cref="KeyRecordCache"/> (evicted on every change, at most
/// <see cref="AuthQuotaOptions.KeyCacheTtl"/> old). Only a store outage in fail-open mode falls back
/// to what this replica remembers.
/// </summary>
public sealed class QuotaDecider(
    IKeyStore keys,
    KeyRecordCache keyCache,
    IQuotaStore quota,
    TenantDirectory tenants,
    LastKnownKeys lastKnown,
    StoreFailover failover,
    QuotaMetrics metrics,
    IOptionsMonitor<AuthQuotaOptions> options,
    TimeProvider time)
{
    /// <summary>When a stream slot frees up is unknowable; clients are told to try again after this.</summary>
    public const long ConcurrencyRetryAfterMs = 1000;

    private const long UnavailableRetryAfterMs = 1000;

    public async ValueTask<AuthorizeDecision> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        IQuotaStore store = quota;
        var failingOpen = false;
        ApiKeyRecord? key;
        try
        {
            if (keyCache.TryGet(request.KeyHash, out var cached))
            {
                key = cached;
            }
            else
            {
                key = await keys.FindByHashAsync(request.KeyHash, cancellationToken);
                keyCache.Set(request.KeyHash, key);
                lastKnown.Remember(request.KeyHash, key);
            }
        }
        catch (QuotaStoreUnavailableException)
        {
            // A key this replica has never seen cannot be vouched for, whatever the failure mode.
            if (!failover.TryFailOpen(out var local) || lastKnown.Find(request.KeyHash) is not { } known)
            {
                return Unavailable(request);
            }

            (key, store, failingOpen) = (known, local, true);
        }

        if (key is null)
        {
            return Refuse(request, StatusCodes.Status401Unauthorized, QuotaErrors.InvalidApiKey, TenantDirectory.OtherLabel);
        }

        var tenantLabel = tenants.Label(key.Tenant);
        if (!key.Enabled)
        {
            return Refuse(request, StatusCodes.Status401Unauthorized, QuotaErrors.Disabled, tenantLabel);
        }

        if (key.IsExpired(now))
        {
            return Refuse(request, StatusCodes.Status401Unauthorized, QuotaErrors.Expired, tenantLabel);
        }

        if (!key.AllowsModel(request.Model))
        {
            return Refuse(request, StatusCodes.Status403Forbidden, QuotaErrors.ModelNotAllowed(request.Model), tenantLabel);
        }

        var command = new ReserveCommand(request.ReservationId, key.Tenant, key.Id, request.EstimatedTokens, request.Stream,
            key.Limits, tenants.LimitsOf(key.Tenant), now, options.CurrentValue.ReservationTtl);
        ReserveResult result;
        try
        {
            result = await store.ReserveAsync(command, cancellationToken);
            if (!failingOpen)
            {
                failover.Succeeded();
            }
        }
        catch (QuotaStoreUnavailableException)
        {
            if (!failover.TryFailOpen(out var local))
            {
                return Unavailable(request);
            }

            (result, failingOpen) = (await local.ReserveAsync(command, cancellationToken), true);
        }

        return Decide(request, key, tenantLabel, result, failingOpen);
    }

    public async ValueTask<SettleOutcome> SettleAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var command = new SettleCommand(request.ReservationId, (long)request.PromptTokens + request.CompletionTokens, request.Forwarded,
            time.GetUtcNow(), settings.ReservationTtl);

        // Reservations made while failing open live in this replica's memory, not in Redis.
        var store = failover.LocalIfUsed is { } local && local.Holds(request.ReservationId) ? local : quota;
        SettleOutcome outcome;
        try
        {
            outcome = await store.SettleAsync(command, cancellationToken);
        }
        catch (QuotaStoreUnavailableException)
        {
            metrics.Settlement("store_unavailable");
            throw;
        }

        metrics.Settlement(outcome switch
        {
            SettleOutcome.Settled => request.Forwarded ? "settled" : "refunded",
            SettleOutcome.AlreadySettled => "duplicate",
            _ => "not_found",
        });
        return outcome;
    }

    public ValueTask<bool> RenewAsync(string reservationId, CancellationToken cancellationToken)
    {
        var store = failover.LocalIfUsed is { } local && local.Holds(reservationId) ? local : quota;
        return store.RenewAsync(reservationId, time.GetUtcNow(), options.CurrentValue.ReservationTtl, cancellationToken);
    }

    public ValueTask<QuotaReadings> UsageAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        quota.ReadUsageAsync(new UsageQuery(key.Tenant, key.Id, key.Limits, tenants.LimitsOf(key.Tenant), time.GetUtcNow()), cancellationToken);

    private AuthorizeDecision Decide(AuthorizeRequest request, ApiKeyRecord key, string tenantLabel, ReserveResult result, bool failingOpen)
    {
        if (result.Outcome == ReserveOutcome.IdConflict)
        {
            return Refuse(request, StatusCodes.Status409Conflict, QuotaErrors.ReservationIdConflict, tenantLabel);
        }

        var readings = result.Readings!;
        var state = RateLimitStates.From(readings);
        if (result.Outcome is ReserveOutcome.Reserved or ReserveOutcome.AlreadyReserved)
        {
            metrics.Decision(failingOpen ? "allowed_fail_open" : "allowed", tenantLabel);
            return new AuthorizeDecision(true, StatusCodes.Status200OK, request.ReservationId, key.Id, key.Tenant, RateLimit: state);
        }

        // The limit that keeps the caller waiting longest is the one to name; a limit the request
        // can never fit (more tokens than the limit itself) outranks every wait.
        var (scope, kind, reading) = readings.All().Where(r => !r.Reading.Fits).MaxBy(r => Rank(r.Reading.WaitMs));
        long? retryAfter = reading.WaitMs switch
        {
            LimitReading.Never => null,
            LimitReading.WhenAStreamEnds => ConcurrencyRetryAfterMs,
            var wait => wait,
        };
        var requested = kind switch
        {
            LimitKind.RequestsPerMinute => 1,
            LimitKind.ConcurrentStreams => 1,
            _ => (long)request.EstimatedTokens,
        };

        metrics.Rejected(kind, scope, tenantLabel);
        metrics.Decision(QuotaErrors.RateLimitExceeded, tenantLabel);
        return new AuthorizeDecision(false, StatusCodes.Status429TooManyRequests, request.ReservationId, key.Id, key.Tenant,
            QuotaErrors.RateLimited(key, scope, kind, reading, requested, retryAfter), retryAfter, state);
    }

    private static long Rank(long waitMs) => waitMs switch
    {
        LimitReading.Never => long.MaxValue,
        LimitReading.WhenAStreamEnds => ConcurrencyRetryAfterMs,
        _ => waitMs,
    };

    private AuthorizeDecision Refuse(AuthorizeRequest request, int status, OpenAiError error, string tenantLabel)
    {
        metrics.Decision(error.Code ?? "refused", tenantLabel);
        return new AuthorizeDecision(false, status, request.ReservationId, Error: error);
    }

    private AuthorizeDecision Unavailable(AuthorizeRequest request)
    {
        metrics.Decision(QuotaErrors.StoreUnavailable, TenantDirectory.OtherLabel);
        return new AuthorizeDecision(false, StatusCodes.Status503ServiceUnavailable, request.ReservationId,
            Error: QuotaErrors.Unavailable, RetryAfterMs: UnavailableRetryAfterMs);
    }
}
