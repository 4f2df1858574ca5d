using AiCdn.Common.Errors;

namespace AiCdn.LlmMock.Faults;

/// <summary>The error bodies of injected statuses, worded and typed as OpenAI's own.</summary>
public static class FaultErrors
{
    public static OpenAiErrorResult ForStatus(int status, int? retryAfterSeconds)
    {
        TimeSpan? retryAfter = retryAfterSeconds is > 0 ? TimeSpan.FromSeconds(retryAfterSeconds.Value) : null;
        var error = status switch
        {
            429 => new OpenAiError("Rate limit reached for requests (injected by x-mock-fault).", OpenAiErrorTypes.RateLimit, null, OpenAiErrorCodes.RateLimitExceeded),
            500 => new OpenAiError("The server had an error while processing your request. Sorry about that! (injected by x-mock-fault)", OpenAiErrorTypes.Server, null, null),
            502 => new OpenAiError("Bad gateway (injected by x-mock-fault).", OpenAiErrorTypes.Server, null, null),
            503 => new OpenAiError("The engine is currently overloaded, please try again later (injected by x-mock-fault).", OpenAiErrorTypes.Server, null, "overloaded"),
            504 => new OpenAiError("Gateway timeout (injected by x-mock-fault).", OpenAiErrorTypes.Server, null, null),
            401 => new OpenAiError("Incorrect API key provided (injected by x-mock-fault).", OpenAiErrorTypes.InvalidRequest, null, "invalid_api_key"),
            403 => new OpenAiError("You are not allowed to sample from this model (injected by x-mock-fault).", OpenAiErrorTypes.Permission, null, null),
            404 => new OpenAiError("The model does not exist or you do not have access to it (injected by x-mock-fault).", OpenAiErrorTypes.InvalidRequest, "model", "model_not_found"),
            >= 500 => new OpenAiError($"Injected server error {status} (x-mock-fault).", OpenAiErrorTypes.Server, null, null),
            _ => new OpenAiError($"Injected client error {status} (x-mock-fault).", OpenAiErrorTypes.InvalidRequest, null, null),
        };
        return new OpenAiErrorResult(status, error, retryAfter);
    }
}
