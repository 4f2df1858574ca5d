using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.Auditing;

/// <summary>What <c>GET /mock/requests</c> answers: counts since start (or the last reset) and the recent requests, oldest first.</summary>
public sealed record RequestLogSnapshot(
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("chat_completions")] long ChatCompletions,
    [property: JsonPropertyName("responses")] long Responses,
    [property: JsonPropertyName("embeddings")] long Embeddings,
    [property: JsonPropertyName("models")] long Models,
    [property: JsonPropertyName("other")] long Other,
    [property: JsonPropertyName("recent")] IReadOnlyList<RequestRecord> Recent);
