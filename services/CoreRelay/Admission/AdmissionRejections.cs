using AiCdn.Common.Errors;
using AiCdn.Common.Warmup;
using AiCdn.CoreRelay.Telemetry;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// How every admission step refuses a request: OpenAI's error, the request metric and one access-log
/// line (none for the core's own warm-up requests, which no one made).
/// </summary>
public sealed class AdmissionRejections(CoreRelayMetrics metrics, AccessLog accessLog, TimeProvider time)
{
    public async Task RejectAsync(HttpContext context, OpenAiErrorResult error)
    {
        var request = CoreRequestFeature.Of(context, time);
        await error.ExecuteAsync(context);
        if (WarmupRequestFeature.Is(context))
        {
            return;
        }

        var duration = time.GetElapsedTime(request.StartTimestamp);
        metrics.Request(request.Route, error.StatusCode, "rejected", duration);
        accessLog.Rejected(request.RequestId, context.Request.Method, context.Request.Path.Value ?? "/", error.StatusCode, error.Error.Code, duration);
    }
}
