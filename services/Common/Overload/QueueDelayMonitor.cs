using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiCdn.Common.Overload;

/// <summary>
/// Samples how long work waits in the thread pool's queue: a delay of one sample interval, whose
/// continuation is queued like every request's work when its timer fires, and how much later than
/// asked for it ran. CPU starvation (this process's or the machine's) shows up the same way.
/// </summary>
public sealed partial class QueueDelayMonitor(
    QueueDelayDetector detector,
    OverloadOptions options,
    TimeProvider time,
    ILogger<QueueDelayMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var start = time.GetTimestamp();
                await Task.Delay(options.SampleInterval, time, stoppingToken);
                var delay = time.GetElapsedTime(start) - options.SampleInterval;
                if (detector.Observe(delay < TimeSpan.Zero ? TimeSpan.Zero : delay))
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
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 900, EventName = "OverloadShedding", Level = LogLevel.Warning,
        Message = "Overloaded: work waits {DelayMs:0} ms in the thread pool's queue (target {TargetMs:0} ms, for {WindowMs:0} ms); new requests are refused with 503 overloaded until it catches up.")]
    private static partial void LogShedding(ILogger logger, double delayMs, double targetMs, double windowMs);

    [LoggerMessage(EventId = 901, EventName = "OverloadRecovered", Level = LogLevel.Information,
        Message = "Caught up: work waits {DelayMs:0} ms in the thread pool's queue; new requests are served again.")]
    private static partial void LogRecovered(ILogger logger, double delayMs);
}
