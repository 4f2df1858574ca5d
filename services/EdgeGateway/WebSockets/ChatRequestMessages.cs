using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    private static bool TryConvert(ReadOnlySpan<byte> message, out ChatRequestMessage? request, out string? error)
    {
        request = null;
        error = null;

        // A member given twice is refused: the core would refuse it anyway, and JsonObject cannot hold it.
        if (JsonNode.Parse(message, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) is not JsonObject root)
        {
            error = "a message must be a JSON object (a chat-completion request).";
            return false;
        }

        string? id = null;
        if (root["id"] is { } idNode)
        {
            if (idNode.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
            {
                error = "'id' must be a string or a number.";
                return false;
            }

            if (idNode.GetValueKind() == JsonValueKind.String)
            {
                _ = idNode.GetValue<string>(); // throws for a string that is not valid Unicode
            }

            id = idNode.ToJsonString();
            if (id.Length > 130)
            {
                error = "'id' is longer than 128 characters.";
                return false;
            }
        }

        var type = root["type"] is JsonValue typeValue && typeValue.TryGetValue<string>(out var text) ? text : null;
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

        root.Remove("id");
        root.Remove("type");
        root["stream"] = true;
        if (root["stream_options"] is JsonObject streamOptions)
        {
            streamOptions["include_usage"] = true;
        }
        else
        {
            root["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        var buffer = new ArrayBufferWriter<byte>(message.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            root.WriteTo(writer);
        }

        request = new ChatRequestMessage(id, IsCancel: false, buffer.WrittenSpan.ToArray());
        return true;
    }
}
