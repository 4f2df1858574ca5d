using System.Text.Json;

namespace AiCdn.LoadTool.Chat;

/// <summary>One parsed <c>chat.completion.chunk</c>, read with <see cref="Utf8JsonReader"/> straight from the event's bytes.</summary>
public readonly record struct Chunk(ChunkKind Kind, string? Content, int IdHash, long CompletionTokens)
{
    private static ReadOnlySpan<byte> DoneData => "[DONE]"u8;

    public static Chunk Parse(ReadOnlySpan<byte> data)
    {
        if (data.SequenceEqual(DoneData))
        {
            return new Chunk(ChunkKind.Done, null, 0, 0);
        }

        try
        {
            var reader = new Utf8JsonReader(data);
            var hasRole = false;
            var hasFinish = false;
            var usageSeen = false;
            var choices = -1;
            string? content = null;
            var idHash = 0;
            long completionTokens = -1;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var depth = reader.CurrentDepth;
                if (reader.ValueTextEquals("id"u8) && depth == 1)
                {
                    reader.Read();
                    var hash = new HashCode();
                    hash.AddBytes(reader.ValueSpan);
                    idHash = hash.ToHashCode();
                }
                else if (reader.ValueTextEquals("choices"u8) && depth == 1)
                {
                    reader.Read();
                    choices = 0;
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        var arrayDepth = reader.CurrentDepth;
                        while (reader.Read() && reader.CurrentDepth > arrayDepth)
                        {
                            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == arrayDepth + 1)
                            {
                                choices++;
                            }

                            if (reader.TokenType != JsonTokenType.PropertyName)
                            {
                                continue;
                            }

                            if (reader.ValueTextEquals("role"u8))
                            {
                                reader.Read();
                                hasRole = reader.TokenType == JsonTokenType.String;
                            }
                            else if (reader.ValueTextEquals("content"u8))
                            {
                                reader.Read();
                                if (reader.TokenType == JsonTokenType.String)
                                {
                                    content = reader.GetString();
                                }
                            }
                            else if (reader.ValueTextEquals("finish_reason"u8))
                            {
                                reader.Read();
                                hasFinish = reader.TokenType == JsonTokenType.String;
                            }
                        }
                    }
                }
                else if (reader.ValueTextEquals("usage"u8) && depth == 1)
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        usageSeen = true;
                    }
                }
                else if (reader.ValueTextEquals("completion_tokens"u8) && usageSeen)
                {
                    reader.Read();
                    completionTokens = reader.TryGetInt64(out var value) ? value : -1;
                }
            }

            var kind = hasFinish ? ChunkKind.Finish
                : hasRole ? ChunkKind.Role
                : content is not null ? ChunkKind.Content
                : usageSeen && choices == 0 ? ChunkKind.Usage
                : ChunkKind.Other;
            return new Chunk(kind, content, idHash, completionTokens);
        }
        catch (JsonException)
        {
            return new Chunk(ChunkKind.Other, null, 0, 0);
        }
    }
}
