using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.ChatCompletions;

/// <summary>The subset of OpenAI's chat-completion request the mock acts on; other fields are accepted and ignored.</summary>
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

    [JsonPropertyName("n")]
    public int? N { get; set; }

    /// <summary>A string or an array of up to 4 strings.</summary>
    [JsonPropertyName("stop")]
    public JsonElement Stop { get; set; }

    [JsonPropertyName("stream")]
    public bool? Stream { get; set; }

    [JsonPropertyName("stream_options")]
    public StreamOptions? StreamOptions { get; set; }

    /// <summary>OpenAI's end-user tag; the mock's usage ledger counts by it.</summary>
    [JsonPropertyName("user")]
    public string? User { get; set; }
}
