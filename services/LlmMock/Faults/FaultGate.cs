using AiCdn.LlmMock.Telemetry;

namespace AiCdn.LlmMock.Faults;

/// <summary>The faults that strike before a response begins: a slow first byte, a reset, an error status.</summary>
public static class FaultGate
{
    /// <summary>Applies the pre-response faults; false when the request has been answered (or dropped) by one.</summary>
    public static async Task<bool> BeforeResponseAsync(HttpContext context, FaultPlan fault, TimeProvider time, LlmMockMetrics metrics, ILogger logger)
    {
        if (fault.IsNone)
        {
            return true;
        }

        Log.FaultInjected(logger, fault, context.Request.Path);
        if (fault.SlowFirstByte > TimeSpan.Zero)
        {
            metrics.Fault("slow_first_byte");
            await Task.Delay(fault.SlowFirstByte, time, context.RequestAborted);
        }

        if (fault.AbortBeforeHeaders)
        {
            metrics.Fault("abort");
            context.Abort();
            return false;
        }

        if (fault.Status is { } status)
        {
            metrics.Fault("status");
            await FaultErrors.ForStatus(status, fault.RetryAfterSeconds).ExecuteAsync(context);
            return false;
        }

        return true;
    }
}
