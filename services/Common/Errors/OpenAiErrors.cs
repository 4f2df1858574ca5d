using Microsoft.AspNetCore.Http;

namespace AiCdn.Common.Errors;

/// <summary>The errors more than one hop produces, with the status and codes OpenAI clients expect.</summary>
public static class OpenAiErrors
{
    public static OpenAiErrorResult MissingApiKey() => new(
        StatusCodes.Status401Unauthorized,
        new("You didn't provide an API key. Send it as 'Authorization: Bearer sk-aicdn-...'.",
            OpenAiErrorTypes.InvalidRequest, null, "missing_api_key"));

    public static OpenAiErrorResult InvalidApiKey() => new(
        StatusCodes.Status401Unauthorized,
        new("Incorrect API key provided.", OpenAiErrorTypes.InvalidRequest, null, "invalid_api_key"));

    public static OpenAiErrorResult InvalidJson(string detail) => new(
        StatusCodes.Status400BadRequest,
        new($"We could not parse the JSON body of your request. ({detail})", OpenAiErrorTypes.InvalidRequest, null, "invalid_json"));

    public static OpenAiErrorResult InvalidParameter(string param, string message) => new(
        StatusCodes.Status400BadRequest,
        new(message, OpenAiErrorTypes.InvalidRequest, param, "invalid_value"));

    public static OpenAiErrorResult UnknownPath(string method, string path) => new(
        StatusCodes.Status404NotFound,
        new($"Invalid URL ({method} {path})", OpenAiErrorTypes.InvalidRequest, null, "unknown_url"));

    public static OpenAiErrorResult RequestTooLarge(long limitBytes) => new(
        StatusCodes.Status413PayloadTooLarge,
        new($"The request body exceeds the limit of {limitBytes} bytes.", OpenAiErrorTypes.InvalidRequest, null, "request_too_large"));

    public static OpenAiErrorResult Forbidden(string message) => new(
        StatusCodes.Status403Forbidden,
        new(message, OpenAiErrorTypes.Permission, null, "forbidden"));

    public static OpenAiErrorResult BadGateway(string message) => new(
        StatusCodes.Status502BadGateway,
        new(message, OpenAiErrorTypes.Upstream, null, "upstream_unavailable"));

    public static OpenAiErrorResult GatewayTimeout(string message) => new(
        StatusCodes.Status504GatewayTimeout,
        new(message, OpenAiErrorTypes.Upstream, null, "upstream_timeout"));

    public static OpenAiErrorResult Unavailable(string message, string code, TimeSpan? retryAfter = null) => new(
        StatusCodes.Status503ServiceUnavailable,
        new(message, OpenAiErrorTypes.Unavailable, null, code),
        retryAfter);
}
