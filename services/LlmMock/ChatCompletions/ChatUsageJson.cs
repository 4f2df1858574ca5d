using System.Text.Json;

namespace AiCdn.LlmMock.ChatCompletions;

/// <summary>Chat Completions' <c>usage</c> object, with the detail objects current OpenAI models send.</summary>
internal static class ChatUsageJson
{
    public static void Write(Utf8JsonWriter json, int promptTokens, int completionTokens)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", promptTokens);
        json.WriteNumber("completion_tokens", completionTokens);
        json.WriteNumber("total_tokens", promptTokens + completionTokens);
        json.WriteStartObject("prompt_tokens_details");
        json.WriteNumber("cached_tokens", 0);
        json.WriteNumber("audio_tokens", 0);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details");
        json.WriteNumber("reasoning_tokens", 0);
        json.WriteNumber("audio_tokens", 0);
        json.WriteNumber("accepted_prediction_tokens", 0);
        json.WriteNumber("rejected_prediction_tokens", 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The fields that open every chat object and chunk.</summary>
    public static void WriteHeader(Utf8JsonWriter json, Generation.CompletionIdentity identity, string objectType)
    {
        json.WriteString("id", identity.Id);
        json.WriteString("object", objectType);
        json.WriteNumber("created", identity.Created);
        json.WriteString("model", identity.Model);
        json.WriteString("service_tier", "default");
        json.WriteString("system_fingerprint", Generation.CompletionIdentity.SystemFingerprint);
    }
}
