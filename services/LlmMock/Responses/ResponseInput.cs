using System.Text.Json;
using AiCdn.LlmMock.ChatCompletions;
using AiCdn.Tokens;

namespace AiCdn.LlmMock.Responses;

/// <summary>
/// A Responses request's prompt as chat messages: the instructions as a system message, then the
/// input (a string is one user message; message items keep their role; tool outputs count as tool
/// messages). Counted by the same chat accounting as Chat Completions.
/// </summary>
internal static class ResponseInput
{
    public static bool TryRead(ResponseRequest request, out List<ChatPromptMessage> messages, out string? problem)
    {
        messages = [];
        problem = null;
        if (!string.IsNullOrEmpty(request.Instructions))
        {
            messages.Add(new ChatPromptMessage("system", request.Instructions));
        }

        var input = request.Input;
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                messages.Add(new ChatPromptMessage("user", input.GetString()));
                break;
            case JsonValueKind.Array:
                foreach (var item in input.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        problem = "Invalid 'input': every input item must be an object.";
                        return false;
                    }

                    if (item.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String)
                    {
                        messages.Add(new ChatPromptMessage(role.GetString(), item.TryGetProperty("content", out var content) ? ContentText.Of(content) : null));
                    }
                    else if (item.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.String)
                    {
                        messages.Add(new ChatPromptMessage("tool", output.GetString()));
                    }
                }

                break;
            default:
                problem = "Invalid 'input': expected a string or an array of input items.";
                return false;
        }

        if (messages.Count == 0 || (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() == 0))
        {
            problem = "Invalid 'input': it must not be empty.";
            return false;
        }

        return true;
    }
}
