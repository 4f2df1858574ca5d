using System.Diagnostics;
using AiCdn.Common.Routing;

namespace AiCdn.CoreRelay.Telemetry;

/// <summary>
/// One structured line per request, and the same facts as tags on the request's span. Never the
/// key, never the Authorization header: only the key's tenant and id as auth-quota named them.
/// </summary>
public sealed partial class AccessLog(ILogger<AccessLog> logger)
{
    public void Completed(AccessLogEntry entry, Activity? activity)
    {
        var model = entry.Model ?? "-";
        var tenant = entry.Tenant ?? "-";
        var ttftMs = entry.TimeToFirstToken?.TotalMilliseconds ?? -1;

        if (activity is not null)
        {
            activity.SetTag("gen_ai.request.model", model);
            activity.SetTag("aicdn.tenant", tenant);
            activity.SetTag("aicdn.key_id", entry.KeyId);
            activity.SetTag("aicdn.outcome", entry.Outcome);
            activity.SetTag("gen_ai.usage.input_tokens", entry.PromptTokens);
            activity.SetTag("gen_ai.usage.output_tokens", entry.CompletionTokens);
            if (entry.TimeToFirstToken is not null)
            {
                activity.SetTag("aicdn.ttft_ms", ttftMs);
            }
        }

        LogCompleted(logger, entry.RequestId, entry.Method, entry.Path, entry.Status, entry.Outcome, tenant, entry.KeyId ?? "-", model,
            entry.PromptTokens, entry.CompletionTokens, ttftMs, entry.Duration.TotalMilliseconds);
    }

    public void Rejected(string requestId, string method, string path, int status, string? code, TimeSpan duration) =>
        LogRejected(logger, requestId, method, path, status, code ?? "-", duration.TotalMilliseconds);

    public static string RequestId(HttpContext context) =>
        context.Request.Headers[RequestIdHeader.Name] is { Count: > 0 } id && id[0]!.Length <= 128 ? id[0]! : context.TraceIdentifier;

    [LoggerMessage(EventId = 100, EventName = "AccessLog", Level = LogLevel.Information,
        Message = "{RequestId} {Method} {Path} {Status} {Outcome} tenant={Tenant} key={KeyId} model={Model} prompt_tokens={PromptTokens} completion_tokens={CompletionTokens} ttft_ms={TtftMs:0.0} duration_ms={DurationMs:0.0}")]
    private static partial void LogCompleted(ILogger logger, string requestId, string method, string path, int status, string outcome, string tenant, string keyId, string model,
        int promptTokens, int completionTokens, double ttftMs, double durationMs);

    [LoggerMessage(EventId = 101, EventName = "AccessLogRejected", Level = LogLevel.Information,
        Message = "{RequestId} {Method} {Path} {Status} rejected code={Code} duration_ms={DurationMs:0.0}")]
    private static partial void LogRejected(ILogger logger, string requestId, string method, string path, int status, string code, double durationMs);
}
