using System.Diagnostics;
using AiCdn.CoreRelay.Admission;

namespace AiCdn.CoreRelay.Telemetry;

/// <summary>
/// One structured line per request, and the same facts as tags on the request's span. Never the
/// key, never the Authorization header: only the key's tenant and id as auth-quota named them.
/// </summary>
public sealed partial class AccessLog(ILogger<AccessLog> logger)
{
    public void Completed(RelayFeature relay, Activity? activity, int status, string outcome, int promptTokens, int completionTokens, TimeSpan? ttft, TimeSpan duration)
    {
        var model = relay.Summary.Model ?? "-";
        var tenant = relay.Decision.Tenant ?? "-";
        var ttftMs = ttft?.TotalMilliseconds ?? -1;

        if (activity is not null)
        {
            activity.SetTag("gen_ai.request.model", model);
            activity.SetTag("aicdn.tenant", tenant);
            activity.SetTag("aicdn.key_id", relay.Decision.KeyId);
            activity.SetTag("aicdn.outcome", outcome);
            activity.SetTag("gen_ai.usage.input_tokens", promptTokens);
            activity.SetTag("gen_ai.usage.output_tokens", completionTokens);
            if (ttft is not null)
            {
                activity.SetTag("aicdn.ttft_ms", ttftMs);
            }
        }

        LogCompleted(logger, relay.RequestId, relay.Method, relay.Path, status, outcome, tenant, relay.Decision.KeyId ?? "-", model,
            promptTokens, completionTokens, ttftMs, duration.TotalMilliseconds);
    }

    public void Rejected(HttpContext context, int status, string? code, TimeSpan duration) =>
        LogRejected(logger, RequestId(context), context.Request.Method, context.Request.Path.Value ?? "/", status, code ?? "-", duration.TotalMilliseconds);

    public static string RequestId(HttpContext context) =>
        context.Request.Headers["x-request-id"] is { Count: > 0 } id && id[0]!.Length <= 128 ? id[0]! : context.TraceIdentifier;

    [LoggerMessage(EventId = 100, EventName = "AccessLog", Level = LogLevel.Information,
        Message = "{RequestId} {Method} {Path} {Status} {Outcome} tenant={Tenant} key={KeyId} model={Model} prompt_tokens={PromptTokens} completion_tokens={CompletionTokens} ttft_ms={TtftMs:0.0} duration_ms={DurationMs:0.0}")]
    private static partial void LogCompleted(ILogger logger, string requestId, string method, string path, int status, string outcome, string tenant, string keyId, string model,
        int promptTokens, int completionTokens, double ttftMs, double durationMs);

    [LoggerMessage(EventId = 101, EventName = "AccessLogRejected", Level = LogLevel.Information,
        Message = "{RequestId} {Method} {Path} {Status} rejected code={Code} duration_ms={DurationMs:0.0}")]
    private static partial void LogRejected(ILogger logger, string requestId, string method, string path, int status, string code, double durationMs);
}
