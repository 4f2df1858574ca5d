using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AiCdn.Observability.Tests.Support;

/// <summary>Chat completion requests as a client sends them, and what their answers say about usage.</summary>
internal static class Chat
{
    public static HttpRequestMessage Request(string key, bool stream, int maxTokens, string content = "hello there")
    {
        var body = new Dictionary<string, object?>
        {
            ["model"] = "mock-gpt",
            ["stream"] = stream,
            ["max_tokens"] = maxTokens,
            ["messages"] = new[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = content } },
        };
        if (stream)
        {
            body["stream_options"] = new Dictionary<string, bool> { ["include_usage"] = true };
        }

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    /// <summary>Sends one completion and reads it to the end; returns the status and the usage the client was told.</summary>
    public static async Task<(int Status, int PromptTokens, int CompletionTokens)> CompleteAsync(HttpClient client, string key, bool stream, int maxTokens)
    {
        using var request = Request(key, stream, maxTokens);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            await response.Content.ReadAsStringAsync();
            return (status, 0, 0);
        }

        string? usageJson = null;
        if (stream)
        {
            foreach (var e in await SseClient.ReadAllAsync(response))
            {
                if (e.Data != "[DONE]" && e.Data.Contains("\"usage\":{", StringComparison.Ordinal))
                {
                    usageJson = e.Data;
                }
            }
        }
        else
        {
            usageJson = await response.Content.ReadAsStringAsync();
        }

        Assert.NotNull(usageJson);
        using var json = JsonDocument.Parse(usageJson);
        var usage = json.RootElement.GetProperty("usage");
        return (status, usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
    }
}
