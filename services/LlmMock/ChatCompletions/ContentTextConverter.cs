using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.ChatCompletions;

/// <summary>
/// Reads message content straight to its text: a string, or an array of parts whose <c>text</c>
/// fields are joined. Skips building a <see cref="JsonElement"/> (a document per message) on the
/// hot path. Content of any other kind has no text.
/// </summary>
public sealed class ContentTextConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartArray:
                string? first = null;
                StringBuilder? joined = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isText = reader.ValueTextEquals("text"u8);
                        reader.Read();
                        if (isText && reader.TokenType == JsonTokenType.String)
                        {
                            var part = reader.GetString()!;
                            if (first is null)
                            {
                                first = part;
                            }
                            else
                            {
                                (joined ??= new StringBuilder(first)).Append(part);
                            }
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }

                return joined?.ToString() ?? first ?? string.Empty;
            default:
                // null, or a kind OpenAI does not accept as content: no text to count.
                reader.Skip();
                return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
