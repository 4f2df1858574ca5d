using System.Text.Json;
using AiCdn.Tokens;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// Reads what accounting needs from one framed event with <see cref="Utf8JsonReader"/>: is it
/// <c>[DONE]</c>, an error, the include_usage chunk; its usage; and how many tokens of content it
/// carries (counted with the tokenizer, for settling when the origin's usage never arrives).
/// Chat completions, legacy completions and the Responses API event stream are understood.
/// </summary>
public sealed class SseEventInspector(TokenCounter tokens)
{
    private static ReadOnlySpan<byte> DataField => "data:"u8;
    private static ReadOnlySpan<byte> DoneMarker => "[DONE]"u8;

    public SseEventInfo Inspect(ReadOnlySpan<byte> eventBytes)
    {
        // OpenAI sends one data line per event; several are joined with LF as the SSE spec says.
        ReadOnlySpan<byte> data = default;
        byte[]? joined = null;
        var dataLines = 0;
        foreach (var line in Lines(eventBytes))
        {
            if (!line.StartsWith(DataField))
            {
                continue;
            }

            var value = line[DataField.Length..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }

            dataLines++;
            if (dataLines == 1)
            {
                data = value;
            }
            else
            {
                joined = [.. (joined ?? data.ToArray()), (byte)'\n', .. value];
                data = joined;
            }
        }

        if (dataLines == 0)
        {
            return default;
        }

        if (data.SequenceEqual(DoneMarker))
        {
            return new SseEventInfo(SseEventKind.Done, null, 0, false);
        }

        try
        {
            return InspectJson(data);
        }
        catch (JsonException)
        {
            // Not ours to validate: the client gets the bytes as the origin sent them.
            return default;
        }
    }

    private SseEventInfo InspectJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return default;
        }

        TokenUsage? usage = null;
        var contentTokens = 0;
        var hasContent = false;
        var choicesSeen = false;
        var choicesEmpty = false;
        var isError = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                usage = ReadUsage(ref reader) ?? usage;
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                choicesSeen = true;
                choicesEmpty = ReadChoices(ref reader, ref contentTokens, ref hasContent);
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                // Responses API: {"type":"response.output_text.delta","delta":"..."}
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    contentTokens += CountString(ref reader);
                    hasContent = true;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("response"u8))
            {
                // Responses API: response.completed / response.incomplete carry response.usage.
                reader.Read();
                usage = ReadNestedUsage(ref reader) ?? usage;
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                isError |= reader.TokenType == JsonTokenType.String
                    && (reader.ValueTextEquals("response.failed"u8) || reader.ValueTextEquals("error"u8));
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                isError |= reader.TokenType == JsonTokenType.StartObject;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        var kind = isError ? SseEventKind.Error
            : choicesSeen && choicesEmpty && usage is not null ? SseEventKind.UsageOnly
            : SseEventKind.Chunk;
        return new SseEventInfo(kind, usage, contentTokens, hasContent);
    }

    /// <returns>True when the array was empty.</returns>
    private bool ReadChoices(ref Utf8JsonReader reader, ref int contentTokens, ref bool hasContent)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        var empty = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            empty = false;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isText = reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("refusal"u8) || reader.ValueTextEquals("reasoning_content"u8);
                        var isCall = !isText && (reader.ValueTextEquals("tool_calls"u8) || reader.ValueTextEquals("function_call"u8));
                        reader.Read();
                        if (isText && reader.TokenType == JsonTokenType.String)
                        {
                            contentTokens += CountString(ref reader);
                            hasContent = true;
                        }
                        else if (isCall && CountArguments(ref reader) is var arguments and >= 0)
                        {
                            contentTokens += arguments;
                            hasContent = true;
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else if (reader.ValueTextEquals("text"u8))
                {
                    // Legacy /v1/completions chunks.
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        contentTokens += CountString(ref reader);
                        hasContent = true;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return empty;
    }

    /// <summary>
    /// The tokens of every <c>arguments</c> string in a delta's <c>tool_calls</c> (or legacy
    /// <c>function_call</c>) value, which the reader is on: a tool call's arguments are completion
    /// tokens the origin generates and charges like content. -1 when the value holds none. Leaves
    /// the reader on the value's last token.
    /// </summary>
    private int CountArguments(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return -1;
        }

        var depth = reader.CurrentDepth;
        var count = -1;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("arguments"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    count = Math.Max(count, 0) + CountString(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return count;
    }

    private int CountString(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length == 0)
        {
            return 0;
        }

        if (length <= 512)
        {
            Span<char> text = stackalloc char[length];
            var written = reader.CopyString(text);
            return tokens.Count(text[..written]);
        }

        return tokens.Count(reader.GetString());
    }

    private static TokenUsage? ReadNestedUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        TokenUsage? usage = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = reader.ValueTextEquals("usage"u8);
            reader.Read();
            if (isUsage)
            {
                usage = ReadUsage(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return usage;
    }

    /// <summary>Reads <c>{"prompt_tokens","completion_tokens"}</c> or the Responses API's <c>{"input_tokens","output_tokens"}</c>.</summary>
    public static TokenUsage? ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        int? prompt = null, completion = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
            {
                reader.Read();
                prompt = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var p) ? p : prompt;
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                reader.Read();
                completion = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var c) ? c : completion;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return prompt is null && completion is null ? null : new TokenUsage(prompt ?? 0, completion ?? 0);
    }

    private static LineEnumerator Lines(ReadOnlySpan<byte> bytes) => new(bytes);

    /// <summary>Splits on LF, CRLF or CR without allocating.</summary>
    private ref struct LineEnumerator(ReadOnlySpan<byte> remaining)
    {
        private ReadOnlySpan<byte> _remaining = remaining;

        public ReadOnlySpan<byte> Current { get; private set; }

        public readonly LineEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_remaining.IsEmpty)
            {
                return false;
            }

            var end = _remaining.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                Current = _remaining;
                _remaining = default;
                return true;
            }

            Current = _remaining[..end];
            var skip = _remaining[end] == (byte)'\r' && end + 1 < _remaining.Length && _remaining[end + 1] == (byte)'\n' ? 2 : 1;
            _remaining = _remaining[(end + skip)..];
            return true;
        }
    }
}
