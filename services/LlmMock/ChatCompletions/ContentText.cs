using System.Text;
using System.Text.Json;

namespace AiCdn.LlmMock.ChatCompletions;

/// <summary>Reads the text of OpenAI message content: a string, or an array of parts with <c>text</c>.</summary>
public static class ContentText
{
    public static string? Of(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString();
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        text.Append(value.GetString());
                    }
                }

                return text.ToString();
            default:
                return null;
        }
    }
}
