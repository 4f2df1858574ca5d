using System.Text.Json;

namespace AiCdn.LlmMock.Responses;

/// <summary>The Responses API's <c>response</c> object and its output message, as OpenAI writes them.</summary>
internal static class ResponseJson
{
    public enum Stage
    {
        /// <summary><c>response.created</c> / <c>response.in_progress</c>: no output, no usage yet.</summary>
        InProgress,

        /// <summary><c>response.completed</c>, <c>response.incomplete</c> or the non-streamed body.</summary>
        Final,
    }

    public static void WriteResponse(Utf8JsonWriter json, ResponseState state, Stage stage)
    {
        var final = stage == Stage.Final;
        var request = state.Request;
        json.WriteStartObject();
        json.WriteString("id", state.Id);
        json.WriteString("object", "response");
        json.WriteNumber("created_at", state.CreatedAt);
        json.WriteString("status", final ? state.FinalStatus : "in_progress");
        json.WriteBoolean("background", false);
        json.WriteNull("error");
        if (final && state.Incomplete)
        {
            json.WriteStartObject("incomplete_details");
            json.WriteString("reason", "max_output_tokens");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("incomplete_details");
        }

        if (request.Instructions is { } instructions)
        {
            json.WriteString("instructions", instructions);
        }
        else
        {
            json.WriteNull("instructions");
        }

        if (request.MaxOutputTokens is { } max)
        {
            json.WriteNumber("max_output_tokens", max);
        }
        else
        {
            json.WriteNull("max_output_tokens");
        }

        json.WriteNull("max_tool_calls");
        json.WriteString("model", request.Model);
        json.WriteStartArray("output");
        if (final)
        {
            WriteMessage(json, state, state.Generator.Text(state.Choice), state.Incomplete ? "incomplete" : "completed");
        }

        json.WriteEndArray();
        json.WriteBoolean("parallel_tool_calls", true);
        json.WriteNull("previous_response_id");
        json.WriteNull("prompt_cache_key");
        json.WriteStartObject("reasoning");
        json.WriteNull("effort");
        json.WriteNull("summary");
        json.WriteEndObject();
        json.WriteNull("safety_identifier");
        json.WriteString("service_tier", "default");

        // The mock keeps nothing, so it does not claim to have stored the response.
        json.WriteBoolean("store", false);
        json.WriteNumber("temperature", request.Temperature ?? 1.0);
        json.WriteStartObject("text");
        json.WriteStartObject("format");
        json.WriteString("type", "text");
        json.WriteEndObject();
        json.WriteString("verbosity", "medium");
        json.WriteEndObject();
        json.WriteString("tool_choice", "auto");
        json.WriteStartArray("tools");
        json.WriteEndArray();
        json.WriteNumber("top_logprobs", 0);
        json.WriteNumber("top_p", request.TopP ?? 1.0);
        json.WriteString("truncation", "disabled");
        if (final)
        {
            var plan = state.Plan;
            json.WriteStartObject("usage");
            json.WriteNumber("input_tokens", plan.PromptTokens);
            json.WriteStartObject("input_tokens_details");
            json.WriteNumber("cached_tokens", 0);
            json.WriteEndObject();
            json.WriteNumber("output_tokens", plan.CompletionTokens);
            json.WriteStartObject("output_tokens_details");
            json.WriteNumber("reasoning_tokens", 0);
            json.WriteEndObject();
            json.WriteNumber("total_tokens", plan.PromptTokens + plan.CompletionTokens);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("usage");
        }

        if (request.User is { } user)
        {
            json.WriteString("user", user);
        }
        else
        {
            json.WriteNull("user");
        }

        json.WriteStartObject("metadata");
        foreach (var (key, value) in request.Metadata ?? [])
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The assistant message item; <paramref name="text"/> null writes it with no content yet.</summary>
    public static void WriteMessage(Utf8JsonWriter json, ResponseState state, string? text, string status)
    {
        json.WriteStartObject();
        json.WriteString("id", state.MessageId);
        json.WriteString("type", "message");
        json.WriteString("status", status);
        json.WriteStartArray("content");
        if (text is not null)
        {
            WriteTextPart(json, text);
        }

        json.WriteEndArray();
        json.WriteString("role", "assistant");
        json.WriteEndObject();
    }

    public static void WriteTextPart(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString("type", "output_text");
        json.WriteStartArray("annotations");
        json.WriteEndArray();
        json.WriteStartArray("logprobs");
        json.WriteEndArray();
        json.WriteString("text", text);
        json.WriteEndObject();
    }
}
