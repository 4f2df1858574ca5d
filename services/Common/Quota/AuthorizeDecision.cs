using AiCdn.Common.Errors;

namespace AiCdn.Common.Quota;

/// <summary>auth-quota's answer. When <see cref="Allowed"/> is false, <see cref="Status"/> and <see cref="Error"/> say why.</summary>
public sealed record AuthorizeDecision(
    bool Allowed,
    int Status,
    string ReservationId,
    string? KeyId = null,
    string? Tenant = null,
    OpenAiError? Error = null,
    long? RetryAfterMs = null,
    RateLimitState? RateLimit = null);
