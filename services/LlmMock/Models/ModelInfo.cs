using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.Models;

/// <summary>OpenAI's model object.</summary>
public sealed record ModelInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy,
    [property: JsonPropertyName("object")] string Object = "model");

public sealed record ModelList(
    [property: JsonPropertyName("data")] IReadOnlyList<ModelInfo> Data,
    [property: JsonPropertyName("object")] string Object = "list");
