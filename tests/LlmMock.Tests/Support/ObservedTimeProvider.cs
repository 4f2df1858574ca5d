using AiCdn.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.LlmMock.Tests.Support;

/// <summary>
/// A fake clock that also tells which timers the code under test has started, so a test advances
/// the clock only once the timer it means to fire exists (no race, no sleeping).
/// </summary>
public sealed class ObservedTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _dueTimes = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            _dueTimes.Add(dueTime);
        }

        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>How many timers with this due time have been started so far.</summary>
    public int TimersWithDueTime(TimeSpan dueTime)
    {
        lock (_gate)
        {
            return _dueTimes.Count(d => d == dueTime);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> timers due after <paramref name="dueTime"/> have been started.</summary>
    public Task WaitForTimerAsync(TimeSpan dueTime, int count = 1) =>
        Wait.UntilAsync(
            () => TimersWithDueTime(dueTime) >= count,
            TimeSpan.FromSeconds(10),
            $"the mock to start a timer due in {dueTime.TotalMilliseconds} ms (#{count})");
}
