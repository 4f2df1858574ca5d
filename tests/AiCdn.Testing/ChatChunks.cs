using System.Text.Json;

namespace AiCdn.Testing;

/// <summary>Reading OpenAI chat-completion chunks as they arrive in SSE events.</summary>
public static class ChatChunks
{
    /// <summary>A chunk's delta content; null for <c>[DONE]</c>, a usage-only chunk, or a delta without content.</summary>
    public static string? ContentOf(string data)
    {
        if (data == "[DONE]")
        {
            return null;
        }

        using var json = JsonDocument.Parse(data);
        if (!json.RootElement.TryGetProperty("choices", out var choices) || choices.GetArrayLength() == 0)
        {
            return null;
        }

        return choices[0].GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : null;
    }
}
