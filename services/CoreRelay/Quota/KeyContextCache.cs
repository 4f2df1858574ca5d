using System.Collections.Concurrent;
using AiCdn.Quota.Decisions;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Quota;

/// <summary>
/// The key contexts this core decides with, and the fetches of them in flight. A context lives
/// <see cref="CoreRelayOptions.KeyContextTtl"/>, or up to <see cref="CoreRelayOptions.KeyContextMaxAge"/>
/// while <see cref="KeyChangeListener"/> hears key changes; only the verified store's are handed out.
/// </summary>
public sealed class KeyContextCache : IDisposable
{
    /// <summary>Contexts held at most; beyond it new keys are decided by auth-quota until entries expire.</summary>
    public const int MaxContexts = 100_000;

    private static readonly TimeSpan s_sweepEvery = TimeSpan.FromSeconds(30);

    private readonly QuotaStoreVerifier _stores;
    private readonly KeyChangeListener _changes;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _maxAge;
    private readonly ConcurrentDictionary<string, Entry> _contexts = new(StringComparer.Ordinal);

    /// <summary>Keys whose context is being fetched, when the fetch started and how many changes had been heard then.</summary>
    private readonly ConcurrentDictionary<string, Fetch> _refreshing = new(StringComparer.Ordinal);

    private readonly ITimer _sweep;

    public KeyContextCache(QuotaStoreVerifier stores, KeyChangeListener changes, IOptions<CoreRelayOptions> options, TimeProvider time)
    {
        _stores = stores;
        _changes = changes;
        _time = time;
        _ttl = options.Value.KeyContextTtl;
        _maxAge = options.Value.KeyContextMaxAge;
        _changes.KeyChanged += OnKeyChanged;
        _changes.EverythingChanged += OnEverythingChanged;
        _changes.TrustStarted += OnTrustStarted;
        _sweep = time.CreateTimer(_ => Sweep(), null, s_sweepEvery, s_sweepEvery);
    }

    /// <summary>
    /// The context to decide with for this key, or null (ask auth-quota). <paramref name="refresh"/>
    /// is true when a fresher context should be fetched (none, or past half the short TTL), and no
    /// other caller is already fetching it (call <see cref="DirectQuota.AcceptAsync"/> or <see cref="RefreshFailed"/> after).
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
            else if (_stores.Verified is { } store && store.Matches(entry.Context))
            {
                usable = entry.Context;
            }
        }

        refresh = age >= _ttl / 2 && !_refreshing.ContainsKey(keyHash) && _refreshing.TryAdd(keyHash, new Fetch(_time.GetTimestamp(), _changes.ChangesHeard));
        return usable;
    }

    /// <summary>The context held for this key when it may be used now; no side effects (no refresh is started).</summary>
    public KeyContext? Peek(string keyHash) =>
        _contexts.TryGetValue(keyHash, out var entry) && _time.GetElapsedTime(entry.Timestamp) < Lifetime(entry) && _stores.Verified is { } store && store.Matches(entry.Context)
            ? entry.Context
            : null;

    /// <summary>Completes when the fetch of this key's context now in flight ends (taken or failed); null when none is.</summary>
    public Task? FetchInFlight(string keyHash) => _refreshing.TryGetValue(keyHash, out var fetch) ? fetch.Done.Task : null;

    /// <summary>The key no longer exists (or auth-quota could not say): forget its context.</summary>
    public void RefreshFailed(string keyHash, bool keyGone)
    {
        if (keyGone)
        {
            _contexts.TryRemove(keyHash, out _);
        }

        EndFetch(keyHash);
    }

    /// <summary>
    /// Holds a context auth-quota handed over, unless <see cref="KeyChangeListener"/> heard a change
    /// to its key since its fetch began (the key's next call then asks auth-quota again). Its age
    /// counts from when the fetch began. <paramref name="store"/> is the verified store it names, if any.
    /// </summary>
    internal void Hold(string keyHash, KeyContext context, VerifiedQuotaStore? store)
    {
        var now = _time.GetTimestamp();
        var fetch = _refreshing.TryGetValue(keyHash, out var known) ? known : null;
        var started = fetch?.Started ?? long.MinValue;
        _changes.HoldUnlessChanged(keyHash, started, fetch?.ChangesHeard, now, announced =>
        {
            // Settles and renews use the newest held context's reservation TTL (never a dropped one's).
            if (store is not null)
            {
                store.ReservationTtl = TimeSpan.FromMilliseconds(context.ReservationTtlMs);
            }

            if (_contexts.ContainsKey(keyHash) || _contexts.Count < MaxContexts)
            {
                _contexts[keyHash] = new Entry(context, started == long.MinValue ? now : started, announced);
            }
        });
    }

    /// <summary>Ends this key's fetch, taken or not: callers waiting in <see cref="FetchInFlight"/> go on.</summary>
    internal void EndFetch(string keyHash)
    {
        if (_refreshing.TryRemove(keyHash, out var fetch))
        {
            fetch.Done.TrySetResult();
        }
    }

    /// <summary>The entry held for this key, usable or not (for tests and diagnostics).</summary>
    internal Entry? Held(string keyHash) => _contexts.TryGetValue(keyHash, out var entry) ? entry : null;

    /// <summary>How long this entry may be used from when its fetch began.</summary>
    internal TimeSpan Lifetime(Entry entry) => entry.Announced && _changes.HearsKeyChanges ? _maxAge : _ttl;

    public void Dispose()
    {
        _changes.KeyChanged -= OnKeyChanged;
        _changes.EverythingChanged -= OnEverythingChanged;
        _changes.TrustStarted -= OnTrustStarted;
        _sweep.Dispose();
    }

    private void OnKeyChanged(string keyHash) => _contexts.TryRemove(keyHash, out _);

    private void OnEverythingChanged() => _contexts.Clear();

    /// <summary>Long-lived contexts held from before the gap may have missed a change; the others live the short TTL anyway.</summary>
    private void OnTrustStarted()
    {
        foreach (var (key, entry) in _contexts)
        {
            if (entry.Announced)
            {
                _contexts.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    /// <summary>Drops contexts past their lifetime (keys not seen again).</summary>
    private void Sweep()
    {
        foreach (var (key, entry) in _contexts)
        {
            if (_time.GetElapsedTime(entry.Timestamp) >= Lifetime(entry))
            {
                _contexts.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    /// <summary>A held context; <paramref name="Announced"/>: any change to it after its fetch would have been heard.</summary>
    internal sealed record Entry(KeyContext Context, long Timestamp, bool Announced);

    /// <summary>A context being fetched: when the fetch began, and how many changes had been heard by then.</summary>
    private sealed record Fetch(long Started, long ChangesHeard)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
