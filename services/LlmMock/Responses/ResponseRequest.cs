using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.Responses;

/// <summary>The subset of a Responses API request the mock acts on; other fields are accepted and ignored.</summary>
public sealed class ResponseRequest
{
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    /// <summary>A string (one user message) or an array of input items.</summary>
    [JsonPropertyName("input")]
    public JsonElement Input { get; set; }

    [JsonPropertyName("instructions")]
    public string? Instructions { get; set; }

    [JsonPropertyName("max_output_tokens")]
    public int? MaxOutputTokens { get; set; }

    [JsonPropertyName("stream")]
    public bool? Stream { get; set; }

    [JsonPropertyName("metadata")]
    public Dictionary<string, string>? Metadata { get; set; }

    [JsonPropertyName("temperature")]
    public double? Temperature { get; set; }

    [JsonPropertyName("top_p")]
    public double? TopP { get; set; }

    [JsonPropertyName("user")]
    public string? User { get; set; }
}
