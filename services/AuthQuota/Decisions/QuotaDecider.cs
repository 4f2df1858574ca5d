using AiCdn.AuthQuota.Keys;
using AiCdn.AuthQuota.Telemetry;
using AiCdn.AuthQuota.Tenants;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Quota;
using AiCdn.Quota.Decisions;
using AiCdn.Quota.Redis;
using AiCdn.Quota.Storage;
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
    AbandonedReservations abandoned,
    QuotaMetrics metrics,
    IOptionsMonitor<AuthQuotaOptions> options,
    TimeProvider time)
{
    /// <summary>When a stream slot frees up is unknowable; clients are told to try again after this.</summary>
    public const long ConcurrencyRetryAfterMs = QuotaVerdicts.ConcurrencyRetryAfterMs;

    private const long UnavailableRetryAfterMs = 1000;

    // A reference, swapped whole: concurrent decisions never see an id paired with another's time.
    private volatile StoreIdReading? _storeId;

    public async ValueTask<AuthorizeDecision> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        IQuotaStore store = quota;
        var failingOpen = false;
        ApiKeyRecord? key;
        try
        {
            key = await FindKeyAsync(request.KeyHash, cancellationToken);
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
            return await IsRebuildingAsync(cancellationToken)
                ? Unavailable(request)
                : Refuse(request, StatusCodes.Status401Unauthorized, QuotaErrors.InvalidApiKey, TenantDirectory.OtherLabel);
        }

        var tenantLabel = tenants.Label(key.Tenant);
        if (QuotaVerdicts.CheckKey(key.Enabled, key.ExpiresAt, key.Models, request.Model, now) is { } refusal)
        {
            return Refuse(request, refusal.Status, refusal.Error, tenantLabel);
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
            // A reserve that timed out may still run in Redis: cancel it, so it is never charged.
            if (!failingOpen)
            {
                abandoned.Cancel(command);
            }

            if (!failover.TryFailOpen(out var local))
            {
                return Unavailable(request, key);
            }

            (result, failingOpen) = (await local.ReserveAsync(command, cancellationToken), true);
        }

        if (cancellationToken.IsCancellationRequested && result.Outcome == ReserveOutcome.Reserved)
        {
            // The caller left while Redis answered: nobody will use or settle this reservation.
            abandoned.Cancel(command, failingOpen ? store : null);
        }

        return Decide(request, key, tenantLabel, result, failingOpen);
    }

    /// <summary>
    /// Whether a call with this key would get past the key checks (it exists, is enabled, has not
    /// expired); nothing is reserved. A store outage answers as authorize would: the last known
    /// record when failing open, else 503.
    /// </summary>
    public async ValueTask<KeyCheckResult> CheckKeyAsync(string keyHash, CancellationToken cancellationToken)
    {
        ApiKeyRecord? key;
        try
        {
            key = await FindKeyAsync(keyHash, cancellationToken);
        }
        catch (QuotaStoreUnavailableException)
        {
            if (!failover.TryFailOpen(out _) || lastKnown.Find(keyHash) is not { } known)
            {
                return new KeyCheckResult(false, StatusCodes.Status503ServiceUnavailable, QuotaErrors.Unavailable, UnavailableRetryAfterMs);
            }

            key = known;
        }

        if (key is null)
        {
            return await IsRebuildingAsync(cancellationToken)
                ? new KeyCheckResult(false, StatusCodes.Status503ServiceUnavailable, QuotaErrors.Unavailable, UnavailableRetryAfterMs)
                : new KeyCheckResult(false, StatusCodes.Status401Unauthorized, QuotaErrors.InvalidApiKey);
        }

        return QuotaVerdicts.CheckKey(key.Enabled, key.ExpiresAt, models: null, model: null, time.GetUtcNow()) is { } refusal
            ? new KeyCheckResult(false, refusal.Status, refusal.Error)
            : new KeyCheckResult(true, StatusCodes.Status200OK);
    }

    /// <summary>Whether counters live in a store other processes can reach (Redis), so core-relay may decide itself.</summary>
    public bool HasSharedStore => quota is RedisQuotaStore;

    /// <summary>
    /// What core-relay needs to decide for this key against Redis itself (see <see cref="KeyContext"/>);
    /// null when no such key exists. Only with a shared store (<see cref="HasSharedStore"/>). Throws
    /// <see cref="QuotaStoreUnavailableException"/> when Redis does not answer: a core then asks for
    /// decisions here, where the failure mode applies.
    /// </summary>
    public async ValueTask<KeyContext?> ContextAsync(string keyHash, CancellationToken cancellationToken)
    {
        var store = (RedisQuotaStore)quota;
        if (await FindKeyAsync(keyHash, cancellationToken) is not { } key)
        {
            // A key missing from a store that lost its keys may exist: not "no such key" (401) yet.
            return await keys.IsRebuildingAsync(cancellationToken) ? throw new QuotaStoreUnavailableException("The key store is being rebuilt.") : null;
        }

        // Re-read every second: after a Redis restart the id changes, and cores that still hold the
        // old one stop deciding against a store they cannot vouch for.
        if (_storeId is not { } known || time.GetElapsedTime(known.Timestamp) >= TimeSpan.FromSeconds(1))
        {
            _storeId = known = new StoreIdReading(await store.EnsureStoreIdAsync(), time.GetTimestamp());
        }

        var storeId = known.Id;
        var settings = options.CurrentValue;
        return new KeyContext(key.Id, key.Tenant, key.Enabled, key.ExpiresAt, key.Models, key.Limits, tenants.LimitsOf(key.Tenant),
            (long)settings.ReservationTtl.TotalMilliseconds, settings.Redis.KeyPrefix, storeId);
    }

    public async ValueTask<SettleOutcome> SettleAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var command = new SettleCommand(request.ReservationId, (long)request.PromptTokens + request.CompletionTokens, request.Forwarded,
            time.GetUtcNow(), settings.ReservationTtl, request.Tenant, request.KeyId, request.Cancel);

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
            SettleOutcome.Cancelled => "cancelled",
            _ => "not_found",
        });
        return outcome;
    }

    public ValueTask<bool> RenewAsync(string reservationId, CancellationToken cancellationToken)
    {
        var store = failover.LocalIfUsed is { } local && local.Holds(reservationId) ? local : quota;
        return store.RenewAsync(reservationId, time.GetUtcNow(), options.CurrentValue.ReservationTtl, cancellationToken);
    }

    /// <summary>
    /// Adds tokens to an open reservation of the key whose digest is <paramref name="keyHash"/>, if its
    /// token limits and its tenant's have room. A key unknown (or deleted) is <see cref="ExtendOutcome.Gone"/>.
    /// </summary>
    public async ValueTask<ExtendOutcome> ExtendAsync(string reservationId, string keyHash, long tokens, CancellationToken cancellationToken)
    {
        if (await FindKeyAsync(keyHash, cancellationToken) is not { } key)
        {
            return ExtendOutcome.Gone;
        }

        var store = failover.LocalIfUsed is { } local && local.Holds(reservationId) ? local : quota;
        var command = new ExtendCommand(reservationId, key.Tenant, key.Id, tokens, key.Limits, tenants.LimitsOf(key.Tenant), time.GetUtcNow());
        return await store.ExtendAsync(command, cancellationToken);
    }

    public ValueTask<QuotaReadings> UsageAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        quota.ReadUsageAsync(new UsageQuery(key.Tenant, key.Id, key.Limits, tenants.LimitsOf(key.Tenant), time.GetUtcNow()), cancellationToken);

    /// <summary>Whether a key not found may yet exist (see <see cref="IKeyStore.IsRebuildingAsync"/>); a store that cannot say counts as rebuilding.</summary>
    private async ValueTask<bool> IsRebuildingAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await keys.IsRebuildingAsync(cancellationToken);
        }
        catch (QuotaStoreUnavailableException)
        {
            return true;
        }
    }

    private async ValueTask<ApiKeyRecord?> FindKeyAsync(string keyHash, CancellationToken cancellationToken)
    {
        if (keyCache.TryGet(keyHash, out var cached))
        {
            return cached;
        }

        var read = keyCache.BeginRead();
        var key = await keys.FindByHashAsync(keyHash, cancellationToken);
        keyCache.Set(keyHash, key, read);
        lastKnown.Remember(keyHash, key);
        return key;
    }

    private AuthorizeDecision Decide(AuthorizeRequest request, ApiKeyRecord key, string tenantLabel, ReserveResult result, bool failingOpen)
    {
        var decision = QuotaVerdicts.FromReservation(request, key.Id, key.Tenant, result, out var rejected);
        if (rejected is { } limit)
        {
            metrics.Rejected(limit.Kind, limit.Scope, tenantLabel);
            metrics.Decision(OpenAiErrorCodes.RateLimitExceeded, tenantLabel);
        }
        else
        {
            metrics.Decision(decision.Allowed ? (failingOpen ? "allowed_fail_open" : "allowed") : decision.Error?.Code ?? "refused", tenantLabel);
        }

        return decision;
    }

    private AuthorizeDecision Refuse(AuthorizeRequest request, int status, OpenAiError error, string tenantLabel)
    {
        metrics.Decision(error.Code ?? "refused", tenantLabel);
        return new AuthorizeDecision(false, status, request.ReservationId, Error: error);
    }

    /// <summary>503; with the key's id and tenant when it was found, so the caller can cancel what it asked for exactly.</summary>
    private AuthorizeDecision Unavailable(AuthorizeRequest request, ApiKeyRecord? key = null)
    {
        metrics.Decision(QuotaErrors.StoreUnavailable, TenantDirectory.OtherLabel);
        return new AuthorizeDecision(false, StatusCodes.Status503ServiceUnavailable, request.ReservationId, key?.Id, key?.Tenant,
            Error: QuotaErrors.Unavailable, RetryAfterMs: UnavailableRetryAfterMs);
    }

    private sealed record StoreIdReading(string Id, long Timestamp);
}
