using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiCdn.LlmMock.Tests.Support;

/// <summary>Raw requests and readers for the OpenAI wire format, for tests that check bytes the SDK hides.</summary>
internal static class Chat
{
    public static string Body(bool stream = false, int? maxTokens = null, string content = "hi", int? n = null, object? stop = null, bool includeUsage = false, string model = "mock-gpt")
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = content }),
        };
        if (stream)
        {
            body["stream"] = true;
        }

        if (maxTokens is { } max)
        {
            body["max_tokens"] = max;
        }

        if (n is { } choices)
        {
            body["n"] = choices;
        }

        if (stop is not null)
        {
            body["stop"] = JsonSerializer.SerializeToNode(stop);
        }

        if (includeUsage)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        return body.ToJsonString();
    }

    public static HttpRequestMessage Post(string path, string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(value);
            }
            else
            {
                request.Headers.Add(name, value);
            }
        }

        return request;
    }

    public static HttpRequestMessage Completion(string body, params (string Name, string Value)[] headers) =>
        Post("/v1/chat/completions", body, headers);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public static JsonElement Parse(string data)
    {
        using var document = JsonDocument.Parse(data);
        return document.RootElement.Clone();
    }

    public static string? ContentOf(JsonElement chunk) =>
        chunk.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : null;

    /// <summary>The content chunks of a chat stream (role, finish and usage chunks and [DONE] excluded).</summary>
    public static List<JsonElement> ContentChunks(IEnumerable<AiCdn.Testing.SseEvent> events) =>
        events.Where(e => e.Data != "[DONE]")
            .Select(e => Parse(e.Data))
            .Where(c => c.GetProperty("choices").GetArrayLength() == 1
                && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content)
                && !c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("role", out _)
                && content.GetString() is { Length: > 0 })
            .ToList();

    public static async Task<(string? Code, string? Param, string? Type)> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        return (error.GetProperty("code").GetString(), error.GetProperty("param").GetString(), error.GetProperty("type").GetString());
    }
}
