using System.Text;
using System.Text.Json;
using AiCdn.Common.Errors;
using AiCdn.Common.Tokens;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Reads the few fields the core acts on straight from the request bytes with <see cref="Utf8JsonReader"/>,
/// skipping everything else, so a large prompt is never turned into an object graph.
/// </summary>
public static class ChatRequestInspector
{
    /// <summary>Parses <paramref name="body"/>; false (with a reason) when it is not a JSON object.</summary>
    public static bool TryInspect(ReadOnlySpan<byte> body, out ChatRequestSummary summary, out string? error)
    {
        summary = new ChatRequestSummary();
        error = null;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 128 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "The body must be a JSON object.";
                return false;
            }

            int? maxTokens = null, maxCompletionTokens = null, maxOutputTokens = null, n = null, bestOf = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    summary.Model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    summary.Stream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("max_tokens"u8))
                {
                    maxTokens = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("max_completion_tokens"u8))
                {
                    maxCompletionTokens = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("max_output_tokens"u8))
                {
                    maxOutputTokens = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    summary.IncludeUsage = ReadIncludeUsage(ref reader);
                }
                else if (reader.ValueTextEquals("messages"u8))
                {
                    reader.Read();
                    ReadMessages(ref reader, summary.Messages);
                }
                else if (reader.ValueTextEquals("n"u8))
                {
                    n = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("best_of"u8))
                {
                    bestOf = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("instructions"u8) || reader.ValueTextEquals("prompt"u8))
                {
                    reader.Read();
                    ReadInput(ref reader, summary);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "Unexpected content after the JSON object.";
                return false;
            }

            summary.MaxTokens = maxCompletionTokens ?? maxTokens ?? maxOutputTokens;

            // The origin generates max(n, best_of) completions (best_of on the legacy completions API
            // is generated in full and only the best n returned), each up to the completion limit.
            summary.Choices = Math.Max(1, Math.Max(n ?? 1, bestOf ?? 1));
            return true;
        }
        catch (JsonException ex)
        {
            error = OpenAiErrors.Describe(ex);
            return false;
        }
    }

    private static int? ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : null;
    }

    private static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var include = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                include = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Skip();
            }
        }

        return include;
    }

    /// <summary>
    /// An <c>input</c>, <c>instructions</c> or <c>prompt</c>: a string; an array of strings (embeddings,
    /// legacy completions: each one is a prompt); token ids, alone or in arrays (each id is one
    /// token); or Responses API items, whose text parts are collected.
    /// </summary>
    private static void ReadInput(ref Utf8JsonReader reader, ChatRequestSummary summary)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                summary.Messages.Add(new ChatPromptMessage("user", reader.GetString()));
                return;
            case JsonTokenType.StartArray:
                break;
            default:
                summary.Messages.Add(new ChatPromptMessage("user", CollectText(ref reader)));
                return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    summary.Messages.Add(new ChatPromptMessage("user", reader.GetString()));
                    break;
                case JsonTokenType.Number:
                    summary.PromptTokenIds++;
                    break;
                case JsonTokenType.StartArray:
                    var depth = reader.CurrentDepth;
                    while (reader.Read() && reader.CurrentDepth > depth)
                    {
                        if (reader.TokenType == JsonTokenType.Number)
                        {
                            summary.PromptTokenIds++;
                        }
                    }

                    break;
                default:
                    summary.Messages.Add(new ChatPromptMessage("user", CollectText(ref reader)));
                    break;
            }
        }
    }

    private static void ReadMessages(ref Utf8JsonReader reader, List<ChatPromptMessage> messages)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            string? role = null, content = null, name = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    reader.Read();
                    role = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    content = reader.TokenType == JsonTokenType.String ? reader.GetString() : CollectText(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            messages.Add(new ChatPromptMessage(role, content, name));
        }
    }

    /// <summary>Concatenates every <c>"text"</c> string inside an array or object of content parts.</summary>
    private static string? CollectText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            reader.Skip();
            return null;
        }

        var depth = reader.CurrentDepth;
        StringBuilder? text = null;
        while (reader.Read() && !(reader.CurrentDepth == depth && reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("content"u8)))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    (text ??= new StringBuilder()).Append(reader.GetString());
                }
                else
                {
                    // Nested parts are walked by the outer loop.
                    continue;
                }
            }
        }

        return text?.ToString();
    }
}
