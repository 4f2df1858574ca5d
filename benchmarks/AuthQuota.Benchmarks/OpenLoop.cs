using System.Diagnostics;
using HdrHistogram;

namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>
/// Sends at a fixed rate whatever the answers do (open loop) and measures every latency from the
/// moment the operation was scheduled, not from when it was actually sent: a stall delays the
/// sends behind it and that delay is counted (no coordinated omission, as wrk2 measures).
/// </summary>
public static class OpenLoop
{
    /// <summary>Runs <paramref name="operation"/> <paramref name="rate"/> times a second; the operation records into the histograms it is given.</summary>
    public static async Task<int> RunAsync(int rate, TimeSpan duration, Func<long, Task> operation)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var interval = (double)Stopwatch.Frequency / rate;
        var inFlight = new List<Task>(total);
        var errors = 0;
        var start = Stopwatch.GetTimestamp();

        // A dedicated thread keeps the schedule: with its timer slack at 1 µs it sleeps (usleep) until
        // each send is due and only yields for the last few microseconds, so sends leave on time
        // without spinning on a core that the processes under test need.
        var scheduler = new Thread(() =>
        {
            var slack = NativeSleep.UsePreciseTimers() ? Stopwatch.Frequency / 100_000 : Stopwatch.Frequency / 10_000;
            for (var i = 0; i < total; i++)
            {
                var due = start + (long)(i * interval);
                while (true)
                {
                    var remaining = due - Stopwatch.GetTimestamp();
                    if (remaining <= 0)
                    {
                        break;
                    }

                    if (remaining > slack)
                    {
                        NativeSleep.Microseconds((uint)((remaining - slack) * 1_000_000 / Stopwatch.Frequency));
                    }
                    else
                    {
                        Thread.Yield();
                    }
                }

                var scheduled = due;
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await operation(scheduled);
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }));
            }
        })
        { IsBackground = true, Name = "open-loop scheduler" };
        scheduler.Start();
        scheduler.Join();
        await Task.WhenAll(inFlight);
        return errors;
    }

    public static LongHistogram NewHistogram() => new(TimeSpan.FromMinutes(1).Ticks / 10, 3);

    /// <summary>Records the time since <paramref name="scheduled"/> in microseconds (thread-safe).</summary>
    public static void Record(LongHistogram histogram, long scheduled)
    {
        var micros = Stopwatch.GetElapsedTime(scheduled).Ticks / 10;
        lock (histogram)
        {
            histogram.RecordValue(Math.Max(1, micros));
        }
    }
}
