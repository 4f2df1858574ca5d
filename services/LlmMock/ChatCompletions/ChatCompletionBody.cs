using System.Text.Json;
using AiCdn.LlmMock.Generation;

namespace AiCdn.LlmMock.ChatCompletions;

/// <summary>The <c>chat.completion</c> object of a non-streamed answer.</summary>
internal static class ChatCompletionBody
{
    public static void Write(Utf8JsonWriter json, CompletionIdentity identity, CompletionPlan plan, CompletionGenerator generator)
    {
        json.WriteStartObject();
        ChatUsageJson.WriteHeader(json, identity, "chat.completion");
        json.WriteStartArray("choices");
        foreach (var choice in plan.Choices)
        {
            json.WriteStartObject();
            json.WriteNumber("index", choice.Index);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            json.WriteString("content", generator.Text(choice));
            json.WriteNull("refusal");
            json.WriteStartArray("annotations");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteNull("logprobs");
            json.WriteString("finish_reason", choice.FinishReason);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        ChatUsageJson.Write(json, plan.PromptTokens, plan.CompletionTokens);
        json.WriteEndObject();
    }
}
