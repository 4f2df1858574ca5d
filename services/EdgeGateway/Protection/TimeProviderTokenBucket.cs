using System.Threading.RateLimiting;

namespace AiCdn.EdgeGateway.Protection;

/// <summary>
/// A token bucket on the injected clock. System.Threading.RateLimiting's own
/// <see cref="TokenBucketRateLimiter"/> measures elapsed time with <c>Stopwatch</c> even when
/// replenished by hand, so a fake clock cannot drive it; this one refills lazily from
/// <see cref="TimeProvider.GetTimestamp"/> on every acquire (no timer), tells a refused caller
/// exactly when the next token arrives, and never queues: the edge answers 429 at once.
/// </summary>
public sealed class TimeProviderTokenBucket : ReplenishingRateLimiter
{
    private static readonly RateLimitLease Granted = new Lease(true, null);

    private readonly TimeProvider _time;
    private readonly double _capacity;
    private readonly double _perSecond;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _refilledAt;
    private long _lastAcquireAt;
    private long _successes;
    private long _failures;

    public TimeProviderTokenBucket(int tokenLimit, double tokensPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tokensPerSecond, 0);
        _time = time;
        _capacity = tokenLimit;
        _perSecond = tokensPerSecond;
        _tokens = tokenLimit;
        _refilledAt = _lastAcquireAt = time.GetTimestamp();
    }

    public override bool IsAutoReplenishing => true;

    public override TimeSpan ReplenishmentPeriod => TimeSpan.FromSeconds(1 / _perSecond);

    /// <summary>Full and untouched since: the bucket holds no state worth keeping.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                var now = _time.GetTimestamp();
                Refill(now);
                return _tokens >= _capacity ? _time.GetElapsedTime(_lastAcquireAt, now) : null;
            }
        }
    }

    public override bool TryReplenish()
    {
        lock (_gate)
        {
            Refill(_time.GetTimestamp());
        }

        // As the library's own limiters answer when they replenish themselves.
        return false;
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            Refill(_time.GetTimestamp());
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)_tokens,
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _successes,
                TotalFailedLeases = _failures,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, (int)_capacity);
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            Refill(now);
            _lastAcquireAt = now;
            if (_tokens >= Math.Max(permitCount, 1))
            {
                _tokens -= permitCount;
                _successes++;
                return Granted;
            }

            _failures++;
            return new Lease(false, TimeSpan.FromSeconds((Math.Max(permitCount, 1) - _tokens) / _perSecond));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill(long now)
    {
        var elapsed = _time.GetElapsedTime(_refilledAt, now).TotalSeconds;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_capacity, _tokens + elapsed * _perSecond);
            _refilledAt = now;
        }
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        private static readonly string[] Names = [MetadataName.RetryAfter.Name];

        public override bool IsAcquired { get; } = acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : Names;

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } value && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = value;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
