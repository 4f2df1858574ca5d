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

    /// <summary>
    /// A body that <see cref="System.Text.Json"/> refused, described by where it failed and never by
    /// the exception's own text (which names .NET types and internal details).
    /// </summary>
    public static OpenAiErrorResult InvalidJson(System.Text.Json.JsonException exception) => InvalidJson(Describe(exception));

    /// <summary>Where <paramref name="exception"/> found the problem: the JSON path when it knows one, else line and byte.</summary>
    public static string Describe(System.Text.Json.JsonException exception)
    {
        const int MaxPathLength = 200;
        var where = new List<string>(3);
        if (!string.IsNullOrEmpty(exception.Path) && exception.Path != "$")
        {
            var path = exception.Path.Length > MaxPathLength ? exception.Path[..MaxPathLength] + "…" : exception.Path;
            where.Add("at " + path);
        }

        if (exception.LineNumber is { } line && exception.BytePositionInLine is { } position)
        {
            where.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {line + 1}, byte {position + 1}"));
        }

        return where.Count == 0
            ? "not valid JSON, or a field has the wrong type"
            : "not valid JSON, or a field has the wrong type, " + string.Join(", ", where);
    }

    public static OpenAiErrorResult InvalidParameter(string param, string message) => new(
        StatusCodes.Status400BadRequest,
        new(message, OpenAiErrorTypes.InvalidRequest, param, "invalid_value"));

    public static OpenAiErrorResult MissingParameter(string param) => new(
        StatusCodes.Status400BadRequest,
        new($"You must provide a '{param}' parameter.", OpenAiErrorTypes.InvalidRequest, param, "missing_required_parameter"));

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

    /// <summary>A request refused because <paramref name="who"/> cannot keep up: 503, retry in a second.</summary>
    public static OpenAiErrorResult Overloaded(string who) => Unavailable(
        $"{who} is overloaded and cannot take this request now; retry shortly.", OpenAiErrorCodes.Overloaded, TimeSpan.FromSeconds(1));

    public static OpenAiErrorResult Unavailable(string message, string code, TimeSpan? retryAfter = null) => new(
        StatusCodes.Status503ServiceUnavailable,
        new(message, OpenAiErrorTypes.Unavailable, null, code),
        retryAfter);
}
