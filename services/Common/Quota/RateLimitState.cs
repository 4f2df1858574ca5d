namespace AiCdn.Common.Quota;

/// <summary>
/// What OpenAI reports in its <c>x-ratelimit-*</c> headers, for the key's tightest request and token
/// limits. Null members mean "no such limit".
/// </summary>
public sealed record RateLimitState(
    long? LimitRequests,
    long? RemainingRequests,
    long? ResetRequestsMs,
    long? LimitTokens,
    long? RemainingTokens,
    long? ResetTokensMs);
