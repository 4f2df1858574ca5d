using System.Collections.Concurrent;
using AiCdn.Quota.Keys;
using AiCdn.Quota.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AiCdn.CoreRelay.Quota;

/// <summary>
/// Hears key changes on the verified store's <see cref="KeyChangeChannel"/>, and proves it still does
/// with probes through its own subscription: contexts live long only while it does, and a change it
/// hears drops the contexts it makes stale (docs/direct-quota.md).
/// </summary>
public sealed partial class KeyChangeListener : IDisposable
{
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
    private readonly QuotaStoreVerifier _stores;
    private readonly TimeProvider _time;
    private readonly ILogger<KeyChangeListener> _logger;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _maxAge;
    private readonly long _settleTicks;

    /// <summary>Keys changed recently, and until when contexts fetched for them are short-lived.</summary>
    private readonly ConcurrentDictionary<string, Change> _settling = new(StringComparer.Ordinal);

    private readonly Lock _trustLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer _sweep;

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

    public KeyChangeListener(RedisConnection redis, QuotaStoreVerifier stores, IOptions<CoreRelayOptions> options, TimeProvider time, ILogger<KeyChangeListener> logger)
    {
        _redis = redis;
        _stores = stores;
        _time = time;
        _logger = logger;
        _ttl = options.Value.KeyContextTtl;
        _maxAge = options.Value.KeyContextMaxAge;
        _settleTicks = (long)(s_settleTime.TotalSeconds * time.TimestampFrequency);
        _redis.AnyLinkLost += OnLinkLost;
        _sweep = time.CreateTimer(_ => SweepSettled(), null, s_sweepEvery, s_sweepEvery);
    }

    /// <summary>A change to this key was heard (raised under the trust lock): its context may be stale.</summary>
    internal event Action<string>? KeyChanged;

    /// <summary>'*' was heard (raised under the trust lock): every context may be stale.</summary>
    internal event Action? EverythingChanged;

    /// <summary>
    /// Changes are heard again after a gap, or for the first time (raised under the trust lock):
    /// long-lived contexts held from before may have missed a change.
    /// </summary>
    internal event Action? TrustStarted;

    /// <summary>Whether this core hears key changes now (its subscription delivered its own probe since the link last dropped).</summary>
    internal bool HearsKeyChanges =>
        Volatile.Read(ref _trustFrom) != long.MaxValue
        && (_probe is not { } probe || probe.Arrived.Task.IsCompleted || _time.GetElapsedTime(probe.SentAt) < s_probeLease)
        && _stores.Verified is { } store && store.Prefix == _listenPrefix;

    /// <summary>Whether no probe is out (tests on a fake clock advance it only then, or the probe times out).</summary>
    internal bool ProbeSettled => _probe is not { } probe || probe.Arrived.Task.IsCompleted;

    /// <summary>Changes heard so far; a fetch notes it when it begins.</summary>
    internal long ChangesHeard => Interlocked.Read(ref _changesHeard);

    /// <summary>Starts listening on the channel of the first store verified (later calls do nothing).</summary>
    internal void Listen(string prefix)
    {
        if (_listenPrefix is null)
        {
            _listenPrefix = prefix;
            _ = ListenAsync();
        }
    }

    /// <summary>
    /// Runs <paramref name="hold"/> under the trust lock (a change heard meanwhile finds what it holds),
    /// unless a change to the key or '*' was heard since the fetch began: the context may predate it.
    /// It is told whether the context may live long (docs/direct-quota.md); <paramref name="started"/> is long.MinValue when unknown.
    /// </summary>
    internal void HoldUnlessChanged(string keyHash, long started, long? changesHeardThen, long now, Action<bool> hold)
    {
        lock (_trustLock)
        {
            if (changesHeardThen is { } heard && ChangedSince(keyHash, heard))
            {
                return;
            }

            var announced = started >= _trustFrom && now - started < _settleTicks
                && (!_settling.TryGetValue(keyHash, out var change) || started >= change.SettleUntil);
            hold(announced);
        }
    }

    /// <summary>Whether a change to this key, or to every key, was heard after the first <paramref name="changesHeard"/> changes (call under the trust lock).</summary>
    private bool ChangedSince(string keyHash, long changesHeard) =>
        _allChanged > changesHeard || (_settling.TryGetValue(keyHash, out var change) && change.Number > changesHeard);

    public void Dispose()
    {
        _redis.AnyLinkLost -= OnLinkLost;
        _sweep.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>
    /// Subscribes to the store's key-change channel and probes it every <see cref="s_probeEvery"/> until
    /// this core stops. Messages arrive in Redis's order, so a probe back means every change before it was
    /// handled; one not back within <see cref="s_probeLease"/> ends the trust, as a silently dead link would.
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

                EverythingChanged?.Invoke();
            }
            else
            {
                _settling[text] = new Change(settleUntil, number);
                KeyChanged?.Invoke(text);
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
                TrustStarted?.Invoke();
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

    /// <summary>Drops change marks that have settled.</summary>
    private void SweepSettled()
    {
        var now = _time.GetTimestamp();
        foreach (var (key, change) in _settling)
        {
            if (change.SettleUntil <= now)
            {
                _settling.TryRemove(KeyValuePair.Create(key, change));
            }
        }
    }

    [LoggerMessage(EventId = 22, EventName = "DirectQuotaListening", Level = LogLevel.Information,
        Message = "Key changes are heard on {Channel}: key contexts are kept up to {MaxAge} and dropped when their key changes.")]
    private static partial void LogListening(ILogger logger, string channel, TimeSpan maxAge);

    [LoggerMessage(EventId = 23, EventName = "DirectQuotaNotListening", Level = LogLevel.Warning,
        Message = "The Redis link dropped, so key changes may go unheard: key contexts live {Ttl} until the subscription is confirmed again.")]
    private static partial void LogDeaf(ILogger logger, TimeSpan ttl);

    [LoggerMessage(EventId = 24, EventName = "DirectQuotaProbeUnanswered", Level = LogLevel.Warning,
        Message = "A probe on the key-change channel did not come back in time, so key changes may go unheard: key contexts live {Ttl} until one does.")]
    private static partial void LogProbeUnanswered(ILogger logger, TimeSpan ttl);

    /// <summary>A key's last change heard: until when contexts fetched for it are short-lived, and its number among all changes heard.</summary>
    private readonly record struct Change(long SettleUntil, long Number);

    private sealed record Probe(string Token, long Generation, long SentAt)
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
