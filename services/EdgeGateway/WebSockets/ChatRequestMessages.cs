using System.Buffers;
using System.Text.Json;
using AiCdn.Common.Errors;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// Turns a chat socket's text message into a chat-completion request for the core: the protocol
/// fields (<c>id</c>, <c>type</c>) are taken out, and <c>stream: true</c> with
/// <c>stream_options.include_usage</c> put in, so the reply streams and ends with usage.
/// </summary>
public static class ChatRequestMessages
{
    public static bool TryRead(ReadOnlySpan<byte> message, out ChatRequestMessage? request, out string? error)
    {
        request = null;
        error = null;
        try
        {
            return TryConvert(message, out request, out error);
        }
        catch (JsonException ex)
        {
            error = OpenAiErrors.Describe(ex);
            return false;
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid Unicode (a lone surrogate escape), found when it is read or written.
            error = "a string is not valid Unicode.";
            return false;
        }
    }

    /// <summary>More top-level fields than any chat request has: refused before they are looked at.</summary>
    public const int MaxTopLevelFields = 256;

    /// <summary>
    /// One pass of <see cref="Utf8JsonReader"/> over the message, copying each top-level value as it
    /// stands: no document is built, so a message costs a scan and a copy whatever its shape. (It
    /// built a JsonNode tree before: 234 ms of CPU and 52 MiB for a 4 MiB message of empty objects,
    /// spent for any client, before the key or the rate limit was checked.) The core checks the body
    /// again in full once it knows the key.
    /// </summary>
    private static bool TryConvert(ReadOnlySpan<byte> message, out ChatRequestMessage? request, out string? error)
    {
        request = null;
        error = null;
        var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = "a message must be a JSON object (a chat-completion request).";
            return false;
        }

        var buffer = new ArrayBufferWriter<byte>(message.Length + 64);
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? id = null, type = null;
        var wroteStreamOptions = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!names.Add(name))
            {
                // The core would refuse a field it acts on given twice, and the origin may read either.
                error = $"'{name}' is given twice.";
                return false;
            }

            if (names.Count > MaxTopLevelFields)
            {
                error = $"a message has at most {MaxTopLevelFields} fields.";
                return false;
            }

            reader.Read();
            switch (name)
            {
                case "id":
                    if (!TryReadId(ref reader, message, out id, out error))
                    {
                        return false;
                    }

                    break;
                case "type":
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                    break;
                case "stream":
                    reader.Skip(); // always true below
                    break;
                case "stream_options":
                    WriteStreamOptions(ref reader, message, writer);
                    wroteStreamOptions = true;
                    break;
                default:
                    writer.WritePropertyName(name);
                    WriteRawValue(ref reader, message, writer);
                    break;
            }
        }

        if (reader.Read())
        {
            throw new JsonException("There is more after the message's JSON object.");
        }

        if (type == "cancel")
        {
            if (id is null)
            {
                error = "a cancel message needs the 'id' of the request to cancel.";
                return false;
            }

            request = new ChatRequestMessage(id, IsCancel: true, Body: null);
            return true;
        }

        if (type is not null and not "chat.completion.request")
        {
            error = $"unknown message type '{type}'; send a chat-completion request or {{\"type\":\"cancel\",\"id\":...}}.";
            return false;
        }

        writer.WriteBoolean("stream", true);
        if (!wroteStreamOptions)
        {
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.Flush();
        request = new ChatRequestMessage(id, IsCancel: false, buffer.WrittenSpan.ToArray());
        return true;
    }

    /// <summary>The request's id as JSON text (a string or a number), as the replies carry it.</summary>
    private static bool TryReadId(ref Utf8JsonReader reader, ReadOnlySpan<byte> message, out string? id, out string? error)
    {
        id = null;
        error = null;
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number))
        {
            error = "'id' must be a string or a number.";
            return false;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            _ = reader.GetString(); // throws for a string that is not valid Unicode
        }

        var raw = message[(int)reader.TokenStartIndex..(int)reader.BytesConsumed];
        if (raw.Length > 130 * 6)
        {
            error = "'id' is longer than 128 characters.";
            return false;
        }

        id = reader.TokenType == JsonTokenType.String ? JsonSerializer.Serialize(reader.GetString()) : System.Text.Encoding.UTF8.GetString(raw);
        if (id.Length > 130)
        {
            error = "'id' is longer than 128 characters.";
            id = null;
            return false;
        }

        return true;
    }

    /// <summary>The client's stream_options with include_usage set, or just that when they are not an object.</summary>
    private static void WriteStreamOptions(ref Utf8JsonReader reader, ReadOnlySpan<byte> message, Utf8JsonWriter writer)
    {
        writer.WriteStartObject("stream_options");
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            var depth = reader.CurrentDepth;
            while (reader.Read() && reader.CurrentDepth > depth)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (name == "include_usage")
                {
                    reader.Skip();
                    continue;
                }

                writer.WritePropertyName(name);
                WriteRawValue(ref reader, message, writer);
            }
        }
        else
        {
            reader.Skip();
        }

        writer.WriteBoolean("include_usage", true);
        writer.WriteEndObject();
    }

    /// <summary>Copies the value the reader is on, as it stands in the message, and moves past it.</summary>
    private static void WriteRawValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> message, Utf8JsonWriter writer)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        writer.WriteRawValue(message[start..(int)reader.BytesConsumed], skipInputValidation: true);
    }
}
