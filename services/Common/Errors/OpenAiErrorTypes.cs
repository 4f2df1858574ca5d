namespace AiCdn.Common.Errors;

/// <summary>The <c>type</c> values OpenAI uses, plus the gateway-specific ones we add.</summary>
public static class OpenAiErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string NotFound = "not_found_error";
    public const string RateLimit = "rate_limit_error";
    public const string InsufficientQuota = "insufficient_quota";
    public const string Server = "server_error";
    public const string Upstream = "upstream_error";
    public const string Unavailable = "service_unavailable";
}
