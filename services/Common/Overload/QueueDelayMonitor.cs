using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiCdn.Common.Overload;

/// <summary>
/// Samples how long work waits in the thread pool's queue: every sample interval, a thread of its
/// own queues one work item, like every request's work, and measures how long it waited to run.
/// CPU starvation (this process's or the machine's) shows up the same way. When nothing is queued
/// the delay is zero and nothing is queued to find out: waking an idle pool a hundred times a second
/// cost 3 % of a core per process, in every process of a many-pod deployment.
/// </summary>
public sealed partial class QueueDelayMonitor(
    QueueDelayDetector detector,
    OverloadOptions options,
    TimeProvider time,
    ILogger<QueueDelayMonitor> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return Task.CompletedTask;
        }

        // A thread of its own: a sampler on the pool would wait in the very queue it measures, and
        // would keep the pool awake.
        var sampler = new Thread(() => Sample(stoppingToken)) { IsBackground = true, Name = "Queue delay sampler" };
        sampler.Start();
        return Task.CompletedTask;
    }

    private void Sample(CancellationToken stoppingToken)
    {
        // Not disposed: a probe still queued when the host stops may set it after this thread ends.
        var ran = new ManualResetEventSlim();
        var handles = new[] { ran.WaitHandle, stoppingToken.WaitHandle };
        while (!stoppingToken.WaitHandle.WaitOne(options.SampleInterval))
        {
            var delay = TimeSpan.Zero;
            if (ThreadPool.PendingWorkItemCount > 0)
            {
                ran.Reset();
                var queued = time.GetTimestamp();
                ThreadPool.UnsafeQueueUserWorkItem(static state => state.Set(), ran, preferLocal: false);
                if (WaitHandle.WaitAny(handles) == 1)
                {
                    return;
                }

                delay = time.GetElapsedTime(queued);
            }

            if (detector.Observe(delay))
            {
                if (detector.Overloaded)
                {
                    LogShedding(logger, delay.TotalMilliseconds, options.QueueDelayTarget.TotalMilliseconds, options.Window.TotalMilliseconds);
                }
                else
                {
                    LogRecovered(logger, delay.TotalMilliseconds);
                }
            }
        }
    }

    [LoggerMessage(EventId = 900, EventName = "OverloadShedding", Level = LogLevel.Warning,
        Message = "Overloaded: work waits {DelayMs:0} ms in the thread pool's queue (target {TargetMs:0} ms, for {WindowMs:0} ms); new requests are refused with 503 overloaded until it catches up.")]
    private static partial void LogShedding(ILogger logger, double delayMs, double targetMs, double windowMs);

    [LoggerMessage(EventId = 901, EventName = "OverloadRecovered", Level = LogLevel.Information,
        Message = "Caught up: work waits {DelayMs:0} ms in the thread pool's queue; new requests are served again.")]
    private static partial void LogRecovered(ILogger logger, double delayMs);
}
