namespace AiCdn.CoreRelay.Telemetry;

/// <summary>One relayed request's access-log line. Never the key: only its tenant and id as auth-quota named them.</summary>
public readonly record struct AccessLogEntry(
    string RequestId,
    string Method,
    string Path,
    int Status,
    string Outcome,
    string? Tenant,
    string? KeyId,
    string? Model,
    int PromptTokens,
    int CompletionTokens,
    TimeSpan? TimeToFirstToken,
    TimeSpan Duration);
