using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.Embeddings;

/// <summary>OpenAI's embeddings request.</summary>
public sealed class EmbeddingRequest
{
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    /// <summary>A string, an array of strings, an array of token ids, or an array of such arrays.</summary>
    [JsonPropertyName("input")]
    public JsonElement Input { get; set; }

    /// <summary><c>float</c> (the default) or <c>base64</c> (little-endian float32, what the official SDKs ask for).</summary>
    [JsonPropertyName("encoding_format")]
    public string? EncodingFormat { get; set; }

    [JsonPropertyName("dimensions")]
    public int? Dimensions { get; set; }

    [JsonPropertyName("user")]
    public string? User { get; set; }
}
