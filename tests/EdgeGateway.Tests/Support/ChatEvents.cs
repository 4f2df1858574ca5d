using System.Text.Json;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests.Support;

public static class ChatEvents
{
    /// <summary>The chunks that carry text (not the role chunk, the usage chunk or [DONE]).</summary>
    public static List<SseEvent> WithContent(this IEnumerable<SseEvent> events) =>
        events.Where(e =>
        {
            if (!e.Data.StartsWith('{'))
            {
                return false;
            }

            using var chunk = JsonDocument.Parse(e.Data);
            return chunk.RootElement.TryGetProperty("choices", out var choices)
                && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("delta", out var delta)
                && delta.TryGetProperty("content", out var content)
                && !string.IsNullOrEmpty(content.GetString());
        }).ToList();
}
