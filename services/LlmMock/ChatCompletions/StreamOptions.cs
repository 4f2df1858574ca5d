using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.ChatCompletions;

public sealed class StreamOptions
{
    [JsonPropertyName("include_usage")]
    public bool? IncludeUsage { get; set; }
}
