using AiCdn.Common.Errors;

namespace AiCdn.Quota.Decisions;

/// <summary>The OpenAI-style errors of auth-quota's decisions; each refusal has its own code.</summary>
public static class QuotaErrors
{
    public const string StoreUnavailable = "quota_store_unavailable";
    public const string ReservationNotFound = "reservation_not_found";

    public static readonly OpenAiError InvalidApiKey = OpenAiErrors.InvalidApiKey().Error;

    public static readonly OpenAiError Disabled =
        new("This API key has been disabled.", OpenAiErrorTypes.InvalidRequest, null, "api_key_disabled");

    public static readonly OpenAiError Expired =
        new("This API key has expired.", OpenAiErrorTypes.InvalidRequest, null, "api_key_expired");

    public static readonly OpenAiError Unavailable =
        new("The quota store is unavailable, so the request cannot be admitted. Please try again shortly.", OpenAiErrorTypes.Unavailable, null, StoreUnavailable);

    public static readonly OpenAiError ReservationIdConflict =
        new("This reservation id belongs to another API key's reservation.", OpenAiErrorTypes.InvalidRequest, "reservation_id", "reservation_conflict");

    public static OpenAiError ModelNotAllowed(string? model) =>
        new($"This API key may not use the model '{model}'.", OpenAiErrorTypes.Permission, "model", "model_not_allowed");

    /// <summary>A limit had no room. OpenAI puts "requests" or "tokens" in the type of a 429.</summary>
    public static OpenAiError RateLimited(string keyId, string tenant, LimitScope scope, LimitKind kind, LimitReading reading, long requested, long? retryAfterMs)
    {
        var who = scope == LimitScope.Key ? $"API key {keyId}" : $"tenant {tenant}";
        var type = kind is LimitKind.TokensPerMinute or LimitKind.TokensPerDay ? "tokens" : "requests";
        var message = kind switch
        {
            LimitKind.ConcurrentStreams =>
                $"Too many concurrent streams on {who}: limit {reading.Limit}. Please try again when one of them has finished.",
            _ when retryAfterMs is null =>
                $"Request too large for {LimitNames.Words(kind)} on {who}: limit {reading.Limit}, requested {requested}. Reduce the prompt or max_tokens.",
            _ =>
                $"Rate limit reached for {LimitNames.Words(kind)} on {who}: limit {reading.Limit}, used {reading.Used}, requested {requested}. Please try again in {Durations.Format(retryAfterMs.Value)}.",
        };
        return new OpenAiError(message, type, null, OpenAiErrorCodes.RateLimitExceeded);
    }
}
