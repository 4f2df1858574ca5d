namespace AiCdn.Common.Quota;

/// <summary>
/// core-relay → auth-quota, before anything goes upstream: "may this key make this call, and
/// reserve one request, <see cref="EstimatedTokens"/> tokens and a concurrent-stream lease".
/// <see cref="ReservationId"/> is chosen by the caller so a retried call never reserves twice.
/// <see cref="IncludeContext"/>: answer with the key's decision context too (a core that can decide
/// against Redis itself asks, so it needs no second call).
/// </summary>
public sealed record AuthorizeRequest(
    string KeyHash,
    string? Model,
    int EstimatedTokens,
    bool Stream,
    string ReservationId,
    bool IncludeContext = false);
