using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.ChatCompletions;

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
    public string? Text() => ContentText.Of(Content);
}
