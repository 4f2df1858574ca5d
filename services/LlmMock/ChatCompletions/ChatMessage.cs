using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.ChatCompletions;

public sealed class ChatMessage
{
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    /// <summary>The message's text: the string content, or its text parts (<c>{"type":"text","text":...}</c>) joined.</summary>
    [JsonPropertyName("content")]
    [JsonConverter(typeof(ContentTextConverter))]
    public string? Content { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
