using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace AiCdn.Common.Errors;

/// <summary>
/// An <see cref="IResult"/> writing an OpenAI-style error body with its status and, for 429 and
/// 503, a <c>Retry-After</c> header.
/// </summary>
public sealed class OpenAiErrorResult(int statusCode, OpenAiError error, TimeSpan? retryAfter = null)
    : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    // Relaxed escaping keeps apostrophes and quotes readable, as OpenAI's own bodies are.
    private static readonly JsonSerializerOptions s_options = new(CommonJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public int StatusCode { get; } = statusCode;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public OpenAiError Error { get; } = error;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, StatusCode, Error, RetryAfter);

    /// <summary>Writes the error unless the response has already started (then there is nothing honest to add).</summary>
    public static async Task WriteAsync(HttpContext httpContext, int statusCode, OpenAiError error, TimeSpan? retryAfter = null)
    {
        var response = httpContext.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = statusCode;
        response.Headers.CacheControl = "no-store";
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, new OpenAiErrorEnvelope(error), s_options, httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(400, typeof(OpenAiErrorEnvelope), ["application/json"]));
    }
}
