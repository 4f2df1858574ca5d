using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AiCdn.CoreRelay.Tests.Support;

internal static class Requests
{
    public static HttpRequestMessage Chat(string key, bool stream, int maxTokens, bool? includeUsage = null, string content = "hi", string model = "mock-gpt", bool resumable = true)
    {
        var body = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["stream"] = stream,
            ["max_tokens"] = maxTokens,
            ["messages"] = new[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = content } },
        };
        if (includeUsage is { } include)
        {
            body["stream_options"] = new Dictionary<string, bool> { ["include_usage"] = include };
        }

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (!resumable)
        {
            request.Headers.Add("x-aicdn-resumable", "false");
        }

        return request;
    }

    public static bool IsUsageOnlyChunk(string data)
    {
        if (data == "[DONE]")
        {
            return false;
        }

        using var json = JsonDocument.Parse(data);
        return json.RootElement.TryGetProperty("choices", out var choices) && choices.GetArrayLength() == 0
            && json.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object;
    }
}
