using System.Collections.Concurrent;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Quota;
using AiCdn.Quota.Decisions;
using AiCdn.Quota.Keys;
using AiCdn.Quota.Redis;
using AiCdn.Quota.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AiCdn.CoreRelay.Quota;

/// <summary>
/// Makes quota decisions against Redis itself: with a key's context from auth-quota (its record and
/// its tenant's limits), a decision is the same atomic Lua script auth-quota runs, one Redis round
/// trip instead of two HTTP calls. Counters are never cached, so limits hold exactly across every
/// core and auth-quota replica.
/// A context is used for at most <see cref="CoreRelayOptions.KeyContextTtl"/> (under a second), or,
/// while this core hears key changes on <see cref="KeyChangeChannel"/> (confirmed by a probe through
/// its own subscription), for up to <see cref="CoreRelayOptions.KeyContextMaxAge"/>: a change drops
/// the key's context as soon as it is announced, and the script that makes a change announces it.
/// A context fetched while a change may still be settling in auth-quota's caches, or while the link
/// is down, lives only the short TTL. Either way a context in use past the short TTL is refreshed in
/// the background.
/// Used only after the store is verified to be auth-quota's (same prefix, same store id read
/// through this core's own connection). Anything it cannot do (no context yet, Redis not
/// answering, a reservation it does not hold) it leaves to auth-quota, where the configured
/// failure mode applies: every method returns null for "ask auth-quota".
/// </summary>
public sealed partial class DirectQuota : IDisposable
{
    /// <summary>Contexts held at most; beyond it new keys are decided by auth-quota until entries expire.</summary>
    public const int MaxContexts = 100_000;

    private static readonly TimeSpan s_recheckAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After a change (or after the link came back), contexts fetched within this time may come from
    /// an auth-quota cache older than the change (its KeyCacheTtl is at most a second), so they live
    /// only the short TTL.
    /// </summary>
    private static readonly TimeSpan s_settleTime = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan s_sweepEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_probeEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a probe may be out before changes count as possibly unheard (so a silent link ends trust within 250 + 500 ms).</summary>
    private static readonly TimeSpan s_probeLease = TimeSpan.FromMilliseconds(500);

    private readonly RedisConnection _redis;
    private readonly CoreRelayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<DirectQuota> _logger;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _maxAge;
    private readonly long _settleTicks;
    private readonly ConcurrentDictionary<string, Entry> _contexts = new(StringComparer.Ordinal);

    /// <summary>Keys whose context is being fetched, when the fetch started and how many changes had been heard then.</summary>
    private readonly ConcurrentDictionary<string, Fetch> _refreshing = new(StringComparer.Ordinal);

    /// <summary>Keys changed recently, and until when contexts fetched for them are short-lived.</summary>
    private readonly ConcurrentDictionary<string, Change> _settling = new(StringComparer.Ordinal);

    private readonly Lock _trustLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer _sweep;
    private volatile VerifiedStore? _store;
    private volatile Rejected? _rejected;

    /// <summary>Changes heard so far (under the trust lock): orders a change against a fetch without relying on the clock.</summary>
    private long _changesHeard;

    /// <summary>The number of the last '*' (every key changed) heard.</summary>
    private long _allChanged = -1;

    /// <summary>Contexts fetched from this timestamp on may live long; long.MaxValue while changes may go unheard.</summary>
    private long _trustFrom = long.MaxValue;
    private long _linkGeneration;
    private volatile string? _listenPrefix;
    private volatile bool _subscribed;
    private volatile Probe? _probe;
    private int _listening;

    public DirectQuota(RedisConnection redis, IOptions<CoreRelayOptions> options, CoreRelayMetrics metrics, TimeProvider time, ILogger<DirectQuota> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _ttl = options.Value.KeyContextTtl;
        _maxAge = options.Value.KeyContextMaxAge;
        _settleTicks = (long)(s_settleTime.TotalSeconds * time.TimestampFrequency);
        _redis.AnyLinkLost += OnLinkLost;
        _sweep = time.CreateTimer(_ => Sweep(), null, s_sweepEvery, s_sweepEvery);
    }

    /// <summary>Whether this core hears key changes now (its subscription delivered its own probe since the link last dropped).</summary>
    internal bool HearsKeyChanges =>
        Volatile.Read(ref _trustFrom) != long.MaxValue
        && (_probe is not { } probe || probe.Arrived.Task.IsCompleted || _time.GetElapsedTime(probe.SentAt) < s_probeLease)
        && _store is { } store && store.Prefix == _listenPrefix;

    /// <summary>Whether no probe is out (for tests on a fake clock: advance it only then, or the probe times out).</summary>
    internal bool ProbeSettled => _probe is not { } probe || probe.Arrived.Task.IsCompleted;

    /// <summary>
    /// The context to decide with for this key, or null (ask auth-quota). <paramref name="refresh"/>
    /// is true when a fresher context should be fetched (none, or past half the short TTL), and no
    /// other caller is already fetching it (call <see cref="AcceptAsync"/> or <see cref="RefreshFailed"/> after).
    /// </summary>
    public KeyContext? Find(string keyHash, out bool refresh)
    {
        KeyContext? usable = null;
        var age = TimeSpan.MaxValue;
        if (_contexts.TryGetValue(keyHash, out var entry))
        {
            age = _time.GetElapsedTime(entry.Timestamp);
            if (age >= Lifetime(entry))
            {
                _contexts.TryRemove(KeyValuePair.Create(keyHash, entry));
            }
            else if (_store is { } store && store.Matches(entry.Context))
            {
                usable = entry.Context;
            }
        }

        refresh = age >= _ttl / 2 && !_refreshing.ContainsKey(keyHash) && _refreshing.TryAdd(keyHash, new Fetch(_time.GetTimestamp(), Interlocked.Read(ref _changesHeard)));
        return usable;
    }

    /// <summary>The context held for this key when it may be used now; no side effects (no refresh is started).</summary>
    public KeyContext? Peek(string keyHash) =>
        _contexts.TryGetValue(keyHash, out var entry) && _time.GetElapsedTime(entry.Timestamp) < Lifetime(entry) && _store is { } store && store.Matches(entry.Context)
            ? entry.Context
            : null;

    /// <summary>Whether a context for this key is held and usable now (no side effects; for tests and diagnostics).</summary>
    internal bool HasUsableContext(string keyHash) => Peek(keyHash) is not null;

    /// <summary>Whether the held context for this key may live <see cref="CoreRelayOptions.KeyContextMaxAge"/> now (for tests and diagnostics).</summary>
    internal bool IsLongLived(string keyHash) => _contexts.TryGetValue(keyHash, out var entry) && entry.Announced && HearsKeyChanges;

    /// <summary>Whether this key's context is being fetched now (for tests and diagnostics).</summary>
    internal bool IsFetching(string keyHash) => _refreshing.ContainsKey(keyHash);

    /// <summary>Completes when the fetch of this key's context now in flight ends (taken or failed); null when none is.</summary>
    public Task? FetchInFlight(string keyHash) => _refreshing.TryGetValue(keyHash, out var fetch) ? fetch.Done.Task : null;

    private void EndFetch(string keyHash)
    {
        if (_refreshing.TryRemove(keyHash, out var fetch))
        {
            fetch.Done.TrySetResult();
        }
    }

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

            // Not held at all when a change to this key (or '*') was heard after the fetch began: the
            // context may predate it, and the key's next call asks auth-quota again. Otherwise
            // long-lived only if every change this context could have missed was heard after its
            // fetch began: not for a fetch of unknown start, begun before trust or while a change to
            // this key was settling, or slower than the settle time (it may have outlived the change
            // mark). Under the change handler's lock, so a change announced meanwhile either finds
            // the entry or is seen here. The age counts from when the fetch began.
            var now = _time.GetTimestamp();
            var fetch = _refreshing.TryGetValue(keyHash, out var known) ? known : (Fetch?)null;
            var started = fetch?.Started ?? long.MinValue;
            lock (_trustLock)
            {
                if (fetch is { } f && ChangedSince(keyHash, f.ChangesHeard))
                {
                    return;
                }

                // Settles and renews use the newest held context's reservation TTL (never a dropped one's).
                if (store is not null)
                {
                    store.ReservationTtl = TimeSpan.FromMilliseconds(context.ReservationTtlMs);
                }

                var announced = started >= _trustFrom && now - started < _settleTicks
                    && (!_settling.TryGetValue(keyHash, out var change) || started >= change.SettleUntil);
                if (_contexts.ContainsKey(keyHash) || _contexts.Count < MaxContexts)
                {
                    _contexts[keyHash] = new Entry(context, started == long.MinValue ? now : started, announced);
                }
            }
        }
        finally
        {
            EndFetch(keyHash);
        }
    }

    /// <summary>Whether a change to this key, or to every key, was heard after the first <paramref name="changesHeard"/> changes (call under the trust lock).</summary>
    private bool ChangedSince(string keyHash, long changesHeard) =>
        _allChanged > changesHeard || (_settling.TryGetValue(keyHash, out var change) && change.Number > changesHeard);

    /// <summary>The key no longer exists (or auth-quota could not say): forget its context.</summary>
    public void RefreshFailed(string keyHash, bool keyGone)
    {
        if (keyGone)
        {
            _contexts.TryRemove(keyHash, out _);
        }

        EndFetch(keyHash);
    }

    /// <summary>Decides with <paramref name="context"/>; null when Redis did not answer (ask auth-quota).</summary>
    public async ValueTask<AuthorizeDecision?> AuthorizeAsync(AuthorizeRequest request, KeyContext context, CancellationToken cancellationToken)
    {
        if (_store is not { } store || !store.Matches(context))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (QuotaVerdicts.CheckKey(context.Enabled, context.ExpiresAt, context.Models, request.Model, now) is { } refusal)
        {
            _metrics.QuotaDecision(refusal.Error.Code ?? "refused", context.Tenant);
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
            _metrics.QuotaRejection(limit.Kind, limit.Scope, context.Tenant);
        }

        _metrics.QuotaDecision(decision.Allowed ? "allowed" : rejected is null ? decision.Error?.Code ?? "refused" : OpenAiErrorCodes.RateLimitExceeded, context.Tenant);
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
                request.Forwarded, _time.GetUtcNow(), store.ReservationTtl, request.Tenant, request.KeyId, request.Cancel), cancellationToken);
            if (outcome == SettleOutcome.NotFound)
            {
                return null;
            }

            _metrics.QuotaSettlement(outcome switch
            {
                SettleOutcome.AlreadySettled => "duplicate",
                SettleOutcome.Cancelled => "cancelled",
                _ => request.Forwarded ? "settled" : "refunded",
            });
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
            return await store.Quota.RenewAsync(reservationId, _time.GetUtcNow(), store.ReservationTtl, cancellationToken) ? true : null;
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }
    }

    private async Task<VerifiedStore?> VerifyAsync(KeyContext context)
    {
        if (_rejected is { } rejected && rejected.Prefix == context.StorePrefix && rejected.StoreId == context.StoreId
            && _time.GetElapsedTime(rejected.Timestamp) < s_recheckAfter)
        {
            return null;
        }

        var quota = new RedisQuotaStore(_redis, context.StorePrefix);
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
            LogStoreMismatch(_logger, _redis.Endpoints, context.StorePrefix);
            _rejected = new Rejected(context.StorePrefix, context.StoreId, _time.GetTimestamp());
            return null;
        }

        var store = new VerifiedStore(context.StorePrefix, context.StoreId, quota) { ReservationTtl = TimeSpan.FromMilliseconds(context.ReservationTtlMs) };
        _store = store;
        LogStoreVerified(_logger, _redis.Endpoints, context.StorePrefix);
        if (_listenPrefix is null)
        {
            _listenPrefix = context.StorePrefix;
            _ = ListenAsync();
        }

        return store;
    }

    public void Dispose()
    {
        _redis.AnyLinkLost -= OnLinkLost;
        _sweep.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private TimeSpan Lifetime(Entry entry) => entry.Announced && HearsKeyChanges ? _maxAge : _ttl;

    /// <summary>
    /// Subscribes to the store's key-change channel and, for as long as this core runs, publishes a
    /// probe to it every <see cref="s_probeEvery"/>. Messages come through one at a time in the order
    /// Redis sent them, so a probe that came back means every change published before it was handled.
    /// Long-lived contexts are trusted only while the newest probe is back or younger than
    /// <see cref="s_probeLease"/>: a subscription that dies silently (no failure event) ends the
    /// trust within that lease, and a probe that comes back after any gap starts it afresh.
    /// </summary>
    private async Task ListenAsync()
    {
        if (_listenPrefix is not { } prefix || Interlocked.Exchange(ref _listening, 1) == 1)
        {
            return;
        }

        var channel = KeyChangeChannel.Name(prefix);
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (!_subscribed)
                {
                    await _redis.SubscribeAsync(channel, OnMessage);
                    _subscribed = true;
                }

                var probe = new Probe(KeyChangeChannel.ProbePrefix + Guid.NewGuid().ToString("N"), Volatile.Read(ref _linkGeneration), _time.GetTimestamp());
                _probe = probe;
                await _redis.ExecuteAsync("key_probe", db => db.PublishAsync(RedisChannel.Literal(channel), probe.Token));
                try
                {
                    await probe.Arrived.Task.WaitAsync(s_probeLease, _time, token);
                }
                catch (TimeoutException)
                {
                    Distrust(LogProbeUnanswered);
                }
            }
            catch (QuotaStoreUnavailableException)
            {
                Distrust(LogProbeUnanswered);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            try
            {
                await Task.Delay(s_probeEvery, _time, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnMessage(RedisValue message)
    {
        if (message.IsNullOrEmpty)
        {
            return;
        }

        var text = (string)message!;
        if (text.StartsWith(KeyChangeChannel.ProbePrefix, StringComparison.Ordinal))
        {
            if (_probe is { } probe && probe.Token == text)
            {
                Trust(probe);
            }

            return;
        }

        var settleUntil = _time.GetTimestamp() + _settleTicks;
        lock (_trustLock)
        {
            var number = Interlocked.Increment(ref _changesHeard);
            if (text == KeyChangeChannel.Everything)
            {
                _allChanged = number;
                if (_trustFrom != long.MaxValue)
                {
                    _trustFrom = Math.Max(_trustFrom, settleUntil);
                }

                _contexts.Clear();
            }
            else
            {
                _settling[text] = new Change(settleUntil, number);
                _contexts.TryRemove(text, out _);
            }
        }
    }

    /// <summary>A probe came back: changes are heard. After a gap (or at first) that starts the trust afresh.</summary>
    private void Trust(Probe probe)
    {
        bool fresh;
        lock (_trustLock)
        {
            if (probe.Generation != _linkGeneration)
            {
                return;
            }

            fresh = _trustFrom == long.MaxValue;
            if (fresh)
            {
                _trustFrom = _time.GetTimestamp() + _settleTicks;

                // Long-lived contexts held from before the gap may have missed a change; the others
                // live the short TTL anyway.
                foreach (var (key, entry) in _contexts)
                {
                    if (entry.Announced)
                    {
                        _contexts.TryRemove(KeyValuePair.Create(key, entry));
                    }
                }
            }
        }

        probe.Arrived.TrySetResult();
        if (fresh)
        {
            LogListening(_logger, KeyChangeChannel.Name(_listenPrefix!), _maxAge);
        }
    }

    private void OnLinkLost() => Distrust(LogDeaf);

    /// <summary>Changes may go unheard from now on: long-lived contexts fall back to the short TTL until a probe comes back.</summary>
    private void Distrust(Action<ILogger, TimeSpan> log)
    {
        bool wasTrusted;
        lock (_trustLock)
        {
            _linkGeneration++;
            wasTrusted = _trustFrom != long.MaxValue;
            _trustFrom = long.MaxValue;
        }

        if (wasTrusted)
        {
            log(_logger, _ttl);
        }
    }

    /// <summary>Drops contexts past their lifetime (keys not seen again) and settled change marks.</summary>
    private void Sweep()
    {
        foreach (var (key, entry) in _contexts)
        {
            if (_time.GetElapsedTime(entry.Timestamp) >= Lifetime(entry))
            {
                _contexts.TryRemove(KeyValuePair.Create(key, entry));
            }
        }

        var now = _time.GetTimestamp();
        foreach (var (key, change) in _settling)
        {
            if (change.SettleUntil <= now)
            {
                _settling.TryRemove(KeyValuePair.Create(key, change));
            }
        }
    }

    [LoggerMessage(EventId = 20, EventName = "DirectQuotaVerified", Level = LogLevel.Information,
        Message = "Quota decisions are made here against Redis at {Endpoints} (prefix {Prefix}), the store auth-quota uses.")]
    private static partial void LogStoreVerified(ILogger logger, string endpoints, string prefix);

    [LoggerMessage(EventId = 21, EventName = "DirectQuotaStoreMismatch", Level = LogLevel.Warning,
        Message = "Redis at {Endpoints} is not the quota store auth-quota uses (prefix {Prefix}, store id differs); decisions stay with auth-quota. Give core-relay the same ConnectionStrings:redis as auth-quota.")]
    private static partial void LogStoreMismatch(ILogger logger, string endpoints, string prefix);

    [LoggerMessage(EventId = 22, EventName = "DirectQuotaListening", Level = LogLevel.Information,
        Message = "Key changes are heard on {Channel}: key contexts are kept up to {MaxAge} and dropped when their key changes.")]
    private static partial void LogListening(ILogger logger, string channel, TimeSpan maxAge);

    [LoggerMessage(EventId = 23, EventName = "DirectQuotaNotListening", Level = LogLevel.Warning,
        Message = "The Redis link dropped, so key changes may go unheard: key contexts live {Ttl} until the subscription is confirmed again.")]
    private static partial void LogDeaf(ILogger logger, TimeSpan ttl);

    [LoggerMessage(EventId = 24, EventName = "DirectQuotaProbeUnanswered", Level = LogLevel.Warning,
        Message = "A probe on the key-change channel did not come back in time, so key changes may go unheard: key contexts live {Ttl} until one does.")]
    private static partial void LogProbeUnanswered(ILogger logger, TimeSpan ttl);

    /// <summary>A context being fetched: when the fetch began, and how many changes had been heard by then.</summary>
    private sealed record Fetch(long Started, long ChangesHeard)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A key's last change heard: until when contexts fetched for it are short-lived, and its number among all changes heard.</summary>
    private readonly record struct Change(long SettleUntil, long Number);

    /// <summary>A held context; <paramref name="Announced"/>: any change to it after its fetch would have been heard.</summary>
    private sealed record Entry(KeyContext Context, long Timestamp, bool Announced);

    private sealed record Probe(string Token, long Generation, long SentAt)
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record Rejected(string Prefix, string StoreId, long Timestamp);

    private sealed class VerifiedStore(string prefix, string storeId, RedisQuotaStore quota)
    {
        public string Prefix { get; } = prefix;

        public RedisQuotaStore Quota { get; } = quota;

        public TimeSpan ReservationTtl { get; set; }

        public bool Matches(KeyContext context) => context.StoreId == storeId && context.StorePrefix == Prefix;
    }
}
