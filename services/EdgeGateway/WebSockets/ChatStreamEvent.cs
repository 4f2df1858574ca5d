using System.Text.Json;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// What the chat socket needs from one event of the core's chat-completion stream: the first
/// choice's content delta and finish reason, the usage object, an error object, or the end.
/// </summary>
public sealed class ChatStreamEvent
{
    public static readonly ChatStreamEvent Done = new() { IsDone = true };
    public static readonly ChatStreamEvent Ignored = new();

    public bool IsDone { get; private init; }

    public string? Content { get; private set; }

    public string? FinishReason { get; private set; }

    /// <summary>The usage object as raw JSON.</summary>
    public byte[]? Usage { get; private set; }

    /// <summary>An OpenAI error object (the value of <c>error</c>) as raw JSON.</summary>
    public byte[]? Error { get; private set; }

    public static ChatStreamEvent Parse(ReadOnlySpan<byte> data)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            return Done;
        }

        var reader = new Utf8JsonReader(data);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Ignored;
            }

            var item = new ChatStreamEvent();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        item.ReadChoices(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    item.Usage = ReadObject(ref reader, data);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    item.Error = ReadObject(ref reader, data);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return item;
        }
        catch (JsonException)
        {
            return Ignored;
        }
    }

    private static byte[]? ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return data[start..(int)reader.BytesConsumed].ToArray();
    }

    private void ReadChoices(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            var index = 0;
            string? content = null;
            string? finish = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    reader.Read();
                    index = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : 0;
                }
                else if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    finish = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("content"u8))
                        {
                            reader.Read();
                            content = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // The socket protocol carries one choice (n = 1), like OpenAI's Realtime text events.
            if (index == 0)
            {
                Content = content;
                FinishReason = finish;
            }
        }
    }
}
