using AiCdn.Common.Errors;

namespace AiCdn.Common.Quota;

/// <summary>
/// auth-quota's answer. When <see cref="Allowed"/> is false, <see cref="Status"/> and <see cref="Error"/> say why.
/// <see cref="Context"/> is the key's decision context (AiCdn.Quota's <c>KeyContext</c>) when the
/// request asked for it and the key exists: with it the core decides the key's next calls itself.
/// </summary>
public sealed record AuthorizeDecision(
    bool Allowed,
    int Status,
    string ReservationId,
    string? KeyId = null,
    string? Tenant = null,
    OpenAiError? Error = null,
    long? RetryAfterMs = null,
    RateLimitState? RateLimit = null,
    System.Text.Json.JsonElement? Context = null);
