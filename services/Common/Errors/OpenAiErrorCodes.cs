namespace AiCdn.Common.Errors;

/// <summary>OpenAI's error codes that more than one service answers with.</summary>
public static class OpenAiErrorCodes
{
    /// <summary>A rate or concurrency limit had no room (429).</summary>
    public const string RateLimitExceeded = "rate_limit_exceeded";

    /// <summary>The server cannot take more work now (503); retry shortly.</summary>
    public const string Overloaded = "overloaded";
}
