namespace AiCdn.Common.Overload;

/// <summary>
/// Turns samples of the thread pool's queue delay into <see cref="Overloaded"/>, after CoDel: on once
/// every sample for a whole window was above the target (a standing queue, not one slow moment),
/// off at the first sample at or below it. Having just been overloaded, the service is on again at
/// the first sample above the target, without waiting a window: otherwise each window would let a
/// fresh queue build. While on, new requests are refused at once, which lets the queue drain, and
/// those admitted wait about the target.
/// </summary>
public sealed class QueueDelayDetector(OverloadOptions options, TimeProvider time) : IOverloadSignal
{
    private const long Never = long.MinValue;

    /// <summary>How long after an overload ends a new one starts without waiting a window, in windows.</summary>
    private const int RecentWindows = 10;

    private readonly object _gate = new();
    private long _aboveSince = Never;
    private long _endedAt = Never;
    private long _lastDelayTicks;
    private volatile bool _overloaded;

    public bool Overloaded => _overloaded;

    /// <summary>The last sample.</summary>
    public TimeSpan LastDelay => TimeSpan.FromTicks(Interlocked.Read(ref _lastDelayTicks));

    /// <summary>Records one sample taken now; returns whether <see cref="Overloaded"/> changed.</summary>
    public bool Observe(TimeSpan delay)
    {
        Interlocked.Exchange(ref _lastDelayTicks, delay.Ticks);
        lock (_gate)
        {
            var was = _overloaded;
            var now = time.GetTimestamp();
            if (!options.Enabled || delay <= options.QueueDelayTarget)
            {
                _aboveSince = Never;
                if (was)
                {
                    _endedAt = now;
                }

                _overloaded = false;
                return was;
            }

            if (_aboveSince == Never)
            {
                // The sample waited all of its delay: the queue has stood above the target since then.
                _aboveSince = now - (long)(delay.TotalSeconds * time.TimestampFrequency);
            }

            var recentlyOverloaded = _endedAt != Never && time.GetElapsedTime(_endedAt, now) < options.Window * RecentWindows;
            _overloaded = recentlyOverloaded || time.GetElapsedTime(_aboveSince, now) >= options.Window;
            return _overloaded != was;
        }
    }
}
