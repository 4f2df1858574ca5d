using System.Globalization;
using System.Text;
using System.Text.Json;
using AiCdn.Common.Errors;
using AiCdn.Tokens;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Reads the few fields the core acts on straight from the request bytes with <see cref="Utf8JsonReader"/>,
/// skipping everything else, so a large prompt is never turned into an object graph.
/// </summary>
public static class ChatRequestInspector
{
    /// <summary>
    /// Parses <paramref name="body"/>; false (with a reason) when it is not a JSON object, a field the
    /// core acts on has the wrong type or appears twice (the origin might read the other copy), or a
    /// string is not valid Unicode.
    /// </summary>
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
            var seen = Field.None;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = FieldOf(ref reader);
                if (field != Field.None && (seen & field) != 0)
                {
                    error = $"'{reader.GetString()}' appears more than once.";
                    return false;
                }

                seen |= field;
                reader.Read();
                switch (field)
                {
                    case Field.Model:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            error = "'model' must be a string.";
                            return false;
                        }

                        summary.Model = reader.GetString();
                        break;
                    case Field.Stream:
                        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                        {
                            error = "'stream' must be a boolean.";
                            return false;
                        }

                        summary.Stream = reader.TokenType == JsonTokenType.True;
                        break;
                    case Field.MaxTokens:
                        if (!TryReadInt(ref reader, "max_tokens", out maxTokens, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.MaxCompletionTokens:
                        if (!TryReadInt(ref reader, "max_completion_tokens", out maxCompletionTokens, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.MaxOutputTokens:
                        if (!TryReadInt(ref reader, "max_output_tokens", out maxOutputTokens, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.N:
                        if (!TryReadInt(ref reader, "n", out n, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.BestOf:
                        if (!TryReadInt(ref reader, "best_of", out bestOf, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.StreamOptions:
                        summary.IncludeUsage = ReadIncludeUsage(ref reader);
                        break;
                    case Field.Messages:
                        ReadMessages(ref reader, summary);
                        break;
                    case Field.Input or Field.Instructions or Field.Prompt:
                        ReadInput(ref reader, summary);
                        break;
                    case Field.Tools or Field.Functions:
                        CollectAllText(ref reader, summary.ToolText);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "Unexpected content after the JSON object.";
                return false;
            }

            summary.MaxTokens = maxCompletionTokens ?? maxTokens ?? maxOutputTokens;
            summary.OutOfRange = Below("max_completion_tokens", maxCompletionTokens, 1)
                ?? Below("max_tokens", maxTokens, 1)
                ?? Below("max_output_tokens", maxOutputTokens, 1)
                ?? Below("n", n, 1)
                ?? Above("n", n, MaxChoices)
                ?? Below("best_of", bestOf, 1)
                ?? Above("best_of", bestOf, MaxChoices);

            // The origin generates max(n, best_of) completions (best_of on the legacy completions API
            // is generated in full and only the best n returned), each up to the completion limit.
            summary.Choices = Math.Max(1, Math.Max(n ?? 1, bestOf ?? 1));
            CheckEscapedStrings(body);
            return true;
        }
        catch (JsonException ex)
        {
            error = OpenAiErrors.Describe(ex);
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString on a string that is not valid UTF-8, or holds a lone surrogate escape (\ud800).
            error = string.Create(CultureInfo.InvariantCulture, $"a string is not valid Unicode (at byte {reader.TokenStartIndex + 1})");
            return false;
        }
    }

    /// <summary>
    /// Reads every escaped string of the body, including those the core skipped: a lone surrogate
    /// escape anywhere would otherwise reach the origin, which fails on it. Unescaped strings are
    /// valid already (the body was checked as UTF-8); escaped ones are rare, so this costs one
    /// token pass. Throws <see cref="InvalidOperationException"/> on the first invalid one.
    /// </summary>
    private static void CheckEscapedStrings(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 128 });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                _ = reader.GetString();
            }
        }
    }

    /// <summary>
    /// The most completions one request may ask for (<c>n</c>), as OpenAI allows: it answers 400 for
    /// more, and for fewer than one.
    /// </summary>
    public const int MaxChoices = 128;

    private static ValueOutOfRange? Below(string name, int? value, int minimum) =>
        value < minimum
            ? new ValueOutOfRange(name, string.Create(CultureInfo.InvariantCulture, $"Invalid '{name}': integer below minimum value. Expected a value >= {minimum}, but got {value} instead."))
            : null;

    private static ValueOutOfRange? Above(string name, int? value, int maximum) =>
        value > maximum
            ? new ValueOutOfRange(name, string.Create(CultureInfo.InvariantCulture, $"Invalid '{name}': integer above maximum value. Expected a value <= {maximum}, but got {value} instead."))
            : null;

    /// <summary>An integer, or null; anything else is refused (the origin would read it differently).</summary>
    private static bool TryReadInt(ref Utf8JsonReader reader, string name, out int? value, out string? error)
    {
        error = null;
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
        {
            value = number;
            return true;
        }

        error = $"'{name}' must be an integer.";
        return false;
    }

    private static Field FieldOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("model"u8) ? Field.Model
        : reader.ValueTextEquals("stream"u8) ? Field.Stream
        : reader.ValueTextEquals("max_tokens"u8) ? Field.MaxTokens
        : reader.ValueTextEquals("max_completion_tokens"u8) ? Field.MaxCompletionTokens
        : reader.ValueTextEquals("max_output_tokens"u8) ? Field.MaxOutputTokens
        : reader.ValueTextEquals("stream_options"u8) ? Field.StreamOptions
        : reader.ValueTextEquals("messages"u8) ? Field.Messages
        : reader.ValueTextEquals("n"u8) ? Field.N
        : reader.ValueTextEquals("best_of"u8) ? Field.BestOf
        : reader.ValueTextEquals("input"u8) ? Field.Input
        : reader.ValueTextEquals("instructions"u8) ? Field.Instructions
        : reader.ValueTextEquals("prompt"u8) ? Field.Prompt
        : reader.ValueTextEquals("tools"u8) ? Field.Tools
        : reader.ValueTextEquals("functions"u8) ? Field.Functions
        : Field.None;

    /// <summary>The top-level fields the core acts on, as flags so a repeated one is noticed.</summary>
    [Flags]
    private enum Field
    {
        None = 0,
        Model = 1 << 0,
        Stream = 1 << 1,
        MaxTokens = 1 << 2,
        MaxCompletionTokens = 1 << 3,
        MaxOutputTokens = 1 << 4,
        StreamOptions = 1 << 5,
        Messages = 1 << 6,
        N = 1 << 7,
        BestOf = 1 << 8,
        Input = 1 << 9,
        Instructions = 1 << 10,
        Prompt = 1 << 11,
        Tools = 1 << 12,
        Functions = 1 << 13,
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
                summary.Messages.Add(new ChatPromptMessage("user", CollectText(ref reader, summary)));
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
                    summary.Messages.Add(new ChatPromptMessage("user", CollectText(ref reader, summary)));
                    break;
            }
        }
    }

    private static void ReadMessages(ref Utf8JsonReader reader, ChatRequestSummary summary)
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
                    content = reader.TokenType == JsonTokenType.String ? reader.GetString() : CollectText(ref reader, summary);
                }
                else if (reader.ValueTextEquals("tool_calls"u8) || reader.ValueTextEquals("function_call"u8))
                {
                    // An earlier turn's calls are prompt to the origin: names and arguments are charged.
                    reader.Read();
                    CollectAllText(ref reader, summary.ToolText);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            summary.Messages.Add(new ChatPromptMessage(role, content, name));
        }
    }

    /// <summary>
    /// Every property name and string inside a value (tool and function definitions, earlier tool
    /// calls), joined by spaces, added to <paramref name="text"/>. The origin renders these into the
    /// prompt and charges them as prompt tokens, so a prompt hidden in a tool's description or a
    /// call's arguments is counted like one in a message.
    /// </summary>
    private static void CollectAllText(ref Utf8JsonReader reader, List<string> text)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            text.Add(reader.GetString()!);
            return;
        }

        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            reader.Skip();
            return;
        }

        var depth = reader.CurrentDepth;
        StringBuilder? collected = null;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
            {
                collected ??= new StringBuilder();
                if (collected.Length > 0)
                {
                    collected.Append(' ');
                }

                collected.Append(reader.GetString());
            }
        }

        if (collected is { Length: > 0 })
        {
            text.Add(collected.ToString());
        }
    }

    /// <summary>
    /// Concatenates every <c>"text"</c> string inside an array or object of content parts, counts
    /// the image parts (<c>image_url</c>: chat's and the Responses API's), which the origin charges
    /// by the image, not by the length of their URL, and estimates the audio parts
    /// (<c>input_audio</c>), which it charges by their duration.
    /// </summary>
    private static string? CollectText(ref Utf8JsonReader reader, ChatRequestSummary summary)
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
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("image_url"u8))
            {
                summary.ImageParts++;
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("input_audio"u8))
            {
                reader.Read();
                summary.AudioTokens += ReadAudio(ref reader);
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("content"u8)))
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

    /// <summary>
    /// The estimate for one <c>input_audio</c> value, <c>{"data":"&lt;base64&gt;","format":"wav"}</c>,
    /// from the length of its data, which is never decoded; the reader is left on the value's end.
    /// </summary>
    private static long ReadAudio(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }

        long base64Length = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    // The raw length: base64 needs no escapes, and an escaped one only counts longer.
                    base64Length += reader.ValueSpan.Length;
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return TokenEstimate.ForAudio(base64Length);
    }
}
