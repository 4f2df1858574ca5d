using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests.Support;

/// <summary>A client of the edge's WebSocket chat endpoint, reading server messages as JSON.</summary>
public sealed class ChatSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;

    private ChatSocket(ClientWebSocket socket) => _socket = socket;

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<ChatSocket> ConnectAsync(Uri edge, string? key = Chain.ApiKey, string path = "/v1/ws/chat")
    {
        var socket = new ClientWebSocket();
        if (key is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        }

        socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(edge) { Scheme = edge.Scheme == "https" ? "wss" : "ws", Path = path }.Uri;
        try
        {
            await socket.ConnectAsync(uri, Timeouts.Token());
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ChatSocket(socket);
    }

    /// <summary>Connects and expects the upgrade to be refused; returns the HTTP status.</summary>
    public static async Task<int> RefusedStatusAsync(Uri edge, string? key)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (key is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        }

        var uri = new UriBuilder(edge) { Scheme = "ws", Path = "/v1/ws/chat" }.Uri;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, Timeouts.Token()));
        return (int)socket.HttpStatusCode;
    }

    public Task SendAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Timeouts.Token());

    /// <summary>Sends a frame of a text message without ending the message.</summary>
    public Task SendPartAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, false, Timeouts.Token());

    public Task SendRequestAsync(string id, int tokens, int intervalMs = 0) =>
        SendAsync($$"""{"id":"{{id}}","model":"mock-gpt","max_tokens":{{tokens}},"messages":[{"role":"user","content":"tell me about {{id}}"}]}""");

    /// <summary>The next server message, or null when the server closed the socket.</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        using var cancel = new CancellationTokenSource(timeout ?? Timeouts.Long);
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(filled), cancel.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            filled += result.Count;
            if (result.EndOfMessage)
            {
                using var document = JsonDocument.Parse(buffer.AsMemory(0, filled));
                return document.RootElement.Clone();
            }
        }
    }

    /// <summary>Messages until every id in <paramref name="ids"/> has had its done or error message.</summary>
    public async Task<List<JsonElement>> ReceiveUntilFinishedAsync(params string[] ids)
    {
        var open = new HashSet<string>(ids);
        var messages = new List<JsonElement>();
        while (open.Count > 0)
        {
            var message = await ReceiveAsync() ?? throw new InvalidOperationException($"The socket closed with {open.Count} requests unfinished.");
            messages.Add(message);
            if (message.GetProperty("type").GetString() is "done" or "error" && message.GetProperty("id").ValueKind == JsonValueKind.String)
            {
                open.Remove(message.GetProperty("id").GetString()!);
            }
        }

        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server is already gone.
            }
        }

        _socket.Dispose();
    }
}
