using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.ChatCompletions;

/// <summary>The subset of OpenAI's chat-completion request the mock acts on.</summary>
public sealed class ChatCompletionRequest
{
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    [JsonPropertyName("messages")]
    public List<ChatMessage>? Messages { get; set; }

    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; set; }

    [JsonPropertyName("max_completion_tokens")]
    public int? MaxCompletionTokens { get; set; }

    [JsonPropertyName("stream")]
    public bool? Stream { get; set; }

    [JsonPropertyName("stream_options")]
    public StreamOptions? StreamOptions { get; set; }
}

public sealed class StreamOptions
{
    [JsonPropertyName("include_usage")]
    public bool? IncludeUsage { get; set; }
}

public sealed class ChatMessage
{
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    /// <summary>A string, or an array of content parts (<c>{"type":"text","text":...}</c>).</summary>
    [JsonPropertyName("content")]
    public JsonElement Content { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>The message's text: the string content, or its text parts joined.</summary>
    public string? Text()
    {
        switch (Content.ValueKind)
        {
            case JsonValueKind.String:
                return Content.GetString();
            case JsonValueKind.Array:
                var parts = new List<string>();
                foreach (var part in Content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        parts.Add(text.GetString()!);
                    }
                }

                return string.Concat(parts);
            default:
                return null;
        }
    }
}
