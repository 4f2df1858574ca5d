using System.Collections.Concurrent;
using AiCdn.AuthQuota.Decisions;
using AiCdn.AuthQuota.Quota;
using AiCdn.AuthQuota.Quota.Redis;
using AiCdn.AuthQuota.Storage;
using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Telemetry;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Makes quota decisions against Redis itself: with a key's context from auth-quota (its record and
/// its tenant's limits, at most <see cref="CoreRelayOptions.KeyContextTtl"/> old), a decision is the
/// same atomic Lua script auth-quota runs, one Redis round trip instead of two HTTP calls. Counters
/// are never cached, so limits hold exactly across every core and auth-quota replica.
/// Used only after the store is verified to be auth-quota's (same prefix, same store id read
/// through this core's own connection). Anything it cannot do (no context yet, Redis not
/// answering, a reservation it does not hold) it leaves to auth-quota, where the configured
/// failure mode applies: every method returns null for "ask auth-quota".
/// </summary>
public sealed partial class DirectQuota(
    RedisConnection redis,
    IOptions<CoreRelayOptions> options,
    CoreRelayMetrics metrics,
    TimeProvider time,
    ILogger<DirectQuota> logger)
{
    /// <summary>Contexts held at most; beyond it new keys are decided by auth-quota until entries expire.</summary>
    public const int MaxContexts = 100_000;

    private static readonly TimeSpan s_recheckAfter = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Entry> _contexts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _refreshing = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = options.Value.KeyContextTtl;
    private volatile VerifiedStore? _store;
    private volatile Rejected? _rejected;

    /// <summary>
    /// The context to decide with for this key, or null (ask auth-quota). <paramref name="refresh"/>
    /// is true when a fresher context should be fetched (none, or past half its lifetime), and no
    /// other caller is already fetching it (call <see cref="AcceptAsync"/> or <see cref="RefreshFailed"/> after).
    /// </summary>
    public KeyContext? Find(string keyHash, out bool refresh)
    {
        KeyContext? usable = null;
        var age = TimeSpan.MaxValue;
        if (_contexts.TryGetValue(keyHash, out var entry))
        {
            age = time.GetElapsedTime(entry.Timestamp);
            if (age < _ttl && _store is { } store && store.Matches(entry.Context))
            {
                usable = entry.Context;
            }
            else if (age >= _ttl)
            {
                _contexts.TryRemove(KeyValuePair.Create(keyHash, entry));
            }
        }

        refresh = age >= _ttl / 2 && _refreshing.TryAdd(keyHash, 0);
        return usable;
    }

    /// <summary>Whether a context for this key is held and usable now (no side effects; for tests and diagnostics).</summary>
    internal bool HasUsableContext(string keyHash) =>
        _contexts.TryGetValue(keyHash, out var entry) && time.GetElapsedTime(entry.Timestamp) < _ttl && _store is { } store && store.Matches(entry.Context);

    /// <summary>When the held context for this key was taken (a <see cref="TimeProvider"/> timestamp), or null; for tests and diagnostics.</summary>
    internal long? ContextTimestamp(string keyHash) => _contexts.TryGetValue(keyHash, out var entry) ? entry.Timestamp : null;

    /// <summary>
    /// Takes a context auth-quota answered, verifying its store first when it names one this core has
    /// not checked. It is held even when the store is not this core's, so the core does not ask for it
    /// again on every call; <see cref="Find"/> only hands out contexts of the verified store.
    /// </summary>
    public async Task AcceptAsync(string keyHash, KeyContext context)
    {
        try
        {
            if (_store is not { } store || !store.Matches(context))
            {
                store = await VerifyAsync(context);
            }

            if (store is not null)
            {
                store.ReservationTtl = TimeSpan.FromMilliseconds(context.ReservationTtlMs);
            }

            if (_contexts.ContainsKey(keyHash) || _contexts.Count < MaxContexts)
            {
                _contexts[keyHash] = new Entry(context, time.GetTimestamp());
            }
        }
        finally
        {
            _refreshing.TryRemove(keyHash, out _);
        }
    }

    /// <summary>The key no longer exists (or auth-quota could not say): forget its context.</summary>
    public void RefreshFailed(string keyHash, bool keyGone)
    {
        if (keyGone)
        {
            _contexts.TryRemove(keyHash, out _);
        }

        _refreshing.TryRemove(keyHash, out _);
    }

    /// <summary>Decides with <paramref name="context"/>; null when Redis did not answer (ask auth-quota).</summary>
    public async ValueTask<AuthorizeDecision?> AuthorizeAsync(AuthorizeRequest request, KeyContext context, CancellationToken cancellationToken)
    {
        if (_store is not { } store || !store.Matches(context))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (QuotaVerdicts.CheckKey(context.Enabled, context.ExpiresAt, context.Models, request.Model, now) is { } refusal)
        {
            metrics.QuotaDecision(refusal.Error.Code ?? "refused", context.Tenant);
            return new AuthorizeDecision(false, refusal.Status, request.ReservationId, Error: refusal.Error);
        }

        var command = new ReserveCommand(request.ReservationId, context.Tenant, context.KeyId, request.EstimatedTokens, request.Stream,
            context.Limits, context.TenantLimits, now, TimeSpan.FromMilliseconds(context.ReservationTtlMs));
        ReserveResult result;
        try
        {
            result = await store.Quota.ReserveAsync(command, cancellationToken);
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }

        var decision = QuotaVerdicts.FromReservation(request, context.KeyId, context.Tenant, result, out var rejected);
        if (rejected is { } limit)
        {
            metrics.QuotaRejection(limit.Kind, limit.Scope, context.Tenant);
        }

        metrics.QuotaDecision(decision.Allowed ? "allowed" : rejected is null ? decision.Error?.Code ?? "refused" : QuotaErrors.RateLimitExceeded, context.Tenant);
        return decision;
    }

    /// <summary>
    /// Settles in Redis. Null when this core cannot (no verified store, Redis not answering) or Redis
    /// does not hold the reservation (auth-quota may: it took it while failing open).
    /// </summary>
    public async ValueTask<SettleOutcome?> SettleAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        if (_store is not { } store)
        {
            return null;
        }

        try
        {
            var outcome = await store.Quota.SettleAsync(new SettleCommand(request.ReservationId, (long)request.PromptTokens + request.CompletionTokens,
                request.Forwarded, time.GetUtcNow(), store.ReservationTtl, request.Tenant, request.KeyId), cancellationToken);
            if (outcome == SettleOutcome.NotFound)
            {
                return null;
            }

            metrics.QuotaSettlement(outcome == SettleOutcome.AlreadySettled ? "duplicate" : request.Forwarded ? "settled" : "refunded");
            return outcome;
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }
    }

    /// <summary>Renews in Redis; null when this core cannot or Redis does not hold the reservation.</summary>
    public async ValueTask<bool?> RenewAsync(string reservationId, CancellationToken cancellationToken)
    {
        if (_store is not { } store)
        {
            return null;
        }

        try
        {
            return await store.Quota.RenewAsync(reservationId, time.GetUtcNow(), store.ReservationTtl, cancellationToken) ? true : null;
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }
    }

    private async Task<VerifiedStore?> VerifyAsync(KeyContext context)
    {
        if (_rejected is { } rejected && rejected.Prefix == context.StorePrefix && rejected.StoreId == context.StoreId
            && time.GetElapsedTime(rejected.Timestamp) < s_recheckAfter)
        {
            return null;
        }

        var quota = new RedisQuotaStore(redis, context.StorePrefix);
        string? seen;
        try
        {
            seen = await quota.ReadStoreIdAsync();
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }

        if (seen != context.StoreId)
        {
            LogStoreMismatch(logger, redis.Endpoints, context.StorePrefix);
            _rejected = new Rejected(context.StorePrefix, context.StoreId, time.GetTimestamp());
            return null;
        }

        var store = new VerifiedStore(context.StorePrefix, context.StoreId, quota) { ReservationTtl = TimeSpan.FromMilliseconds(context.ReservationTtlMs) };
        _store = store;
        LogStoreVerified(logger, redis.Endpoints, context.StorePrefix);
        return store;
    }

    [LoggerMessage(EventId = 20, EventName = "DirectQuotaVerified", Level = LogLevel.Information,
        Message = "Quota decisions are made here against Redis at {Endpoints} (prefix {Prefix}), the store auth-quota uses.")]
    private static partial void LogStoreVerified(ILogger logger, string endpoints, string prefix);

    [LoggerMessage(EventId = 21, EventName = "DirectQuotaStoreMismatch", Level = LogLevel.Warning,
        Message = "Redis at {Endpoints} is not the quota store auth-quota uses (prefix {Prefix}, store id differs); decisions stay with auth-quota. Give core-relay the same ConnectionStrings:redis as auth-quota.")]
    private static partial void LogStoreMismatch(ILogger logger, string endpoints, string prefix);

    private sealed record Entry(KeyContext Context, long Timestamp);

    private sealed record Rejected(string Prefix, string StoreId, long Timestamp);

    private sealed class VerifiedStore(string prefix, string storeId, RedisQuotaStore quota)
    {
        public RedisQuotaStore Quota { get; } = quota;

        public TimeSpan ReservationTtl { get; set; }

        public bool Matches(KeyContext context) => context.StoreId == storeId && context.StorePrefix == prefix;
    }
}
