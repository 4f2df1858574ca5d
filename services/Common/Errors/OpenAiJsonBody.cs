using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace AiCdn.Common.Errors;

/// <summary>Reads a request's JSON body, turning what cannot be read into the OpenAI-style 400 to answer.</summary>
public static class OpenAiJsonBody
{
    /// <summary>
    /// The body as <typeparamref name="T"/> (null for a JSON <c>null</c>), or the error to answer:
    /// 400 <c>invalid_json</c> naming where the JSON broke, or a string that is not valid Unicode.
    /// </summary>
    public static async ValueTask<(T? Value, OpenAiErrorResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
    {
        try
        {
            return (await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted), null);
        }
        catch (JsonException ex)
        {
            return (default, OpenAiErrors.InvalidJson(ex));
        }
        catch (InvalidOperationException)
        {
            return (default, OpenAiErrors.InvalidJson("a string is not valid Unicode"));
        }
    }
}
