using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using AiCdn.Common.Errors;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// Writes the server's messages to a chat socket, one at a time (a WebSocket allows one send in
/// flight). One buffer and one JSON writer per socket, reused for every message.
/// </summary>
public sealed class ChatSocketWriter(WebSocket socket) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private Utf8JsonWriter? _json;

    public Task DeltaAsync(string id, string content, CancellationToken cancellationToken) =>
        SendAsync(static (json, state) =>
        {
            json.WriteString("type", "delta");
            WriteId(json, state.id);
            json.WriteString("content", state.content);
        }, (id, content), cancellationToken);

    public Task DoneAsync(string id, string? finishReason, byte[]? usage, CancellationToken cancellationToken) =>
        SendAsync(static (json, state) =>
        {
            json.WriteString("type", "done");
            WriteId(json, state.id);
            if (state.finishReason is null)
            {
                json.WriteNull("finish_reason");
            }
            else
            {
                json.WriteString("finish_reason", state.finishReason);
            }

            json.WritePropertyName("usage");
            if (state.usage is null)
            {
                json.WriteNullValue();
            }
            else
            {
                json.WriteRawValue(state.usage, skipInputValidation: true);
            }
        }, (id, finishReason, usage), cancellationToken);

    public Task ErrorAsync(string? id, int status, OpenAiError error, CancellationToken cancellationToken) =>
        SendAsync(static (json, state) =>
        {
            WriteErrorHeader(json, state.id, state.status);
            json.WriteStartObject("error");
            json.WriteString("message", state.error.Message);
            json.WriteString("type", state.error.Type);
            WriteNullable(json, "param", state.error.Param);
            WriteNullable(json, "code", state.error.Code);
            json.WriteEndObject();
        }, (id, status, error), cancellationToken);

    /// <summary>An error object exactly as the core (or the origin behind it) gave it.</summary>
    public Task ErrorAsync(string? id, int status, byte[] rawError, CancellationToken cancellationToken) =>
        SendAsync(static (json, state) =>
        {
            WriteErrorHeader(json, state.id, state.status);
            json.WritePropertyName("error");
            json.WriteRawValue(state.rawError, skipInputValidation: true);
        }, (id, status, rawError), cancellationToken);

    public void Dispose()
    {
        _gate.Dispose();
        _json?.Dispose();
    }

    private async Task SendAsync<TState>(Action<Utf8JsonWriter, TState> write, TState state, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _buffer.ResetWrittenCount();
            if (_json is null)
            {
                _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            }
            else
            {
                _json.Reset(_buffer);
            }

            _json.WriteStartObject();
            write(_json, state);
            _json.WriteEndObject();
            _json.Flush();
            await socket.SendAsync(_buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void WriteErrorHeader(Utf8JsonWriter json, string? id, int status)
    {
        json.WriteString("type", "error");
        if (id is null)
        {
            json.WriteNull("id");
        }
        else
        {
            WriteId(json, id);
        }

        json.WriteNumber("status", status);
    }

    private static void WriteId(Utf8JsonWriter json, string id)
    {
        json.WritePropertyName("id");
        json.WriteRawValue(id, skipInputValidation: true);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
