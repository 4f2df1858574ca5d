using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.RateLimiting;
using AiCdn.Common.Errors;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Protection;
using AiCdn.EdgeGateway.Telemetry;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// One chat socket. Each text message is a chat-completion request, relayed to a core as a
/// streamed request; each content delta comes back as a <c>delta</c> message, the end as a
/// <c>done</c> message with usage, failures as <c>error</c> messages (the socket stays open).
/// Several requests may run at once, told apart by their <c>id</c>. When the edge drains, new
/// requests are refused, running ones finish (or end with <c>server_draining</c> at the deadline),
/// then the socket is closed with 1001 (going away).
/// </summary>
public sealed partial class WebSocketChatSession(
    WebSocket socket,
    HttpContext upgrade,
    CoreChatClient core,
    EdgeRateLimiters limiters,
    DrainCoordinator drain,
    EdgeMetrics metrics,
    EdgeOptions options,
    TimeProvider time,
    FrameBudgetStream? frames,
    ILogger logger)
{
    private static readonly ActivitySource Activities = new("AiCdn.Edge");

    private readonly ChatSocketWriter _writer = new(socket);
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = CancellationTokenSource.CreateLinkedTokenSource(upgrade.RequestAborted);
    private readonly SemaphoreSlim _finished = new(0);
    private int _sequence;

    public async Task RunAsync()
    {
        metrics.WebSocketOpened();
        if (frames is not null)
        {
            frames.Exceeded = () => _ = Task.Run(CloseFloodedAsync);
        }

        using var onDrain = drain.Started.Register(static state => _ = ((WebSocketChatSession)state!).CloseWhenIdleAsync(), this);
        var buffer = new MessageBuffer(16 * 1024, options.Limits.MaxRequestBodySize);
        CancellationTokenSource? slowMessage = null;
        CancellationTokenSource? receiving = null;
        try
        {
            var messageStarted = 0L;
            while (socket.State == WebSocketState.Open || socket.State == WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(buffer.Free(), receiving?.Token ?? _closing.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                buffer.Advance(result.Count);
                if (buffer.Filled > options.Limits.MaxRequestBodySize)
                {
                    metrics.Rejected(LimitKinds.BodySize);
                    await _writer.ErrorAsync(null, StatusCodes.Status413PayloadTooLarge, OpenAiErrors.RequestTooLarge(options.Limits.MaxRequestBodySize).Error, _closing.Token);
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too large", _closing.Token);
                    break;
                }

                if (!result.EndOfMessage)
                {
                    if (slowMessage is null)
                    {
                        slowMessage = StartMessageDeadline(buffer.Filled, out messageStarted);
                        receiving = slowMessage is null ? null : CancellationTokenSource.CreateLinkedTokenSource(_closing.Token, slowMessage.Token);
                    }
                    else
                    {
                        ArmMessageDeadline(slowMessage, messageStarted, buffer.Filled);
                    }

                    continue;
                }

                receiving?.Dispose();
                receiving = null;
                slowMessage?.Dispose();
                slowMessage = null;

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    await _writer.ErrorAsync(null, StatusCodes.Status400BadRequest, InvalidMessage("send chat requests as text messages holding JSON."), _closing.Token);
                }
                else
                {
                    await HandleMessageAsync(buffer.Message.ToArray());
                }

                buffer.Clear();
            }
        }
        catch (OperationCanceledException) when (slowMessage?.IsCancellationRequested == true && !_closing.IsCancellationRequested)
        {
            // A cancelled receive aborts the socket: the connection closes, as Kestrel closes one
            // whose request body comes too slowly.
            metrics.Rejected(LimitKinds.WebSocketMessageRate);
            LogMessageTooSlow(logger, options.Limits.MinRequestBodyDataRate);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The client went away or the connection broke: nothing to answer.
        }
        finally
        {
            receiving?.Dispose();
            slowMessage?.Dispose();
            buffer.Dispose();
            await _closing.CancelAsync();
            await Task.WhenAll(_running.Values.Select(r => r.Task));
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
                try
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
                {
                    // Best effort: the peer is gone.
                }
            }

            _writer.Dispose();
            _closing.Dispose();
            _finished.Dispose();
            metrics.WebSocketClosed();
        }
    }

    private async Task HandleMessageAsync(byte[] message)
    {
        if (!ChatRequestMessages.TryRead(message, out var request, out var error))
        {
            metrics.WebSocketRequest("invalid");
            await _writer.ErrorAsync(null, StatusCodes.Status400BadRequest, OpenAiErrors.InvalidJson(error ?? "invalid message").Error, _closing.Token);
            return;
        }

        if (request!.IsCancel)
        {
            if (_running.TryGetValue(request.Id!, out var target))
            {
                target.CanceledByClient = true;
                try
                {
                    await target.Cancellation.CancelAsync();
                }
                catch (ObjectDisposedException)
                {
                    // It finished meanwhile.
                }
            }

            return;
        }

        var id = request.Id ?? JsonSerializer.Serialize("ws-" + Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (drain.IsDraining)
        {
            metrics.Rejected(LimitKinds.Draining);
            metrics.WebSocketRequest("rejected");
            await _writer.ErrorAsync(id, StatusCodes.Status503ServiceUnavailable, EdgeErrors.Draining().Error, _closing.Token);
            return;
        }

        if (_running.Count >= options.WebSocket.MaxConcurrentRequests)
        {
            metrics.Rejected(LimitKinds.WebSocketConcurrency);
            metrics.WebSocketRequest("rejected");
            await _writer.ErrorAsync(id, StatusCodes.Status429TooManyRequests, new OpenAiError(
                $"At most {options.WebSocket.MaxConcurrentRequests} requests may run at once on one socket.", OpenAiErrorTypes.RateLimit, null, OpenAiErrorCodes.RateLimitExceeded), _closing.Token);
            return;
        }

        // A request on the socket is a stream the client holds, as an HTTP stream is: it counts
        // against the per-client limit beside the socket itself, or one address could hold
        // PerIpConcurrentRequests sockets of MaxConcurrentRequests streams each.
        var client = ClientAddresses.PartitionKey(upgrade.Connection.RemoteIpAddress);
        var permit = limiters.ClientConcurrency?.AttemptAcquire(client);
        if (permit is { IsAcquired: false })
        {
            permit.Dispose();
            metrics.Rejected(LimitKinds.IpConcurrency);
            metrics.WebSocketRequest("rejected");
            await _writer.ErrorAsync(id, StatusCodes.Status429TooManyRequests, new OpenAiError(
                "Too many requests open at once from your address; wait for one to finish.", OpenAiErrorTypes.RateLimit, null, OpenAiErrorCodes.RateLimitExceeded), _closing.Token);
            return;
        }

        if (limiters.TryTakeRate(client) is { } refusal)
        {
            permit?.Dispose();
            metrics.Rejected(refusal.Limit);
            metrics.WebSocketRequest("rejected");
            await _writer.ErrorAsync(id, StatusCodes.Status429TooManyRequests, new OpenAiError(
                $"Rate limit ({refusal.Limit}) reached; retry after {Math.Ceiling(refusal.RetryAfter.TotalSeconds)} s.", OpenAiErrorTypes.RateLimit, null, OpenAiErrorCodes.RateLimitExceeded), _closing.Token);
            return;
        }

        var running = new Running(CancellationTokenSource.CreateLinkedTokenSource(_closing.Token), permit);
        if (!_running.TryAdd(id, running))
        {
            running.Cancellation.Dispose();
            permit?.Dispose();
            metrics.WebSocketRequest("invalid");
            await _writer.ErrorAsync(id, StatusCodes.Status400BadRequest, InvalidMessage("a request with this id is still running."), _closing.Token);
            return;
        }

        running.Task = RelayAsync(id, request.Body!, running);
    }

    private async Task RelayAsync(string id, byte[] body, Running running)
    {
        // Let the receive loop go on reading while this request runs.
        await Task.Yield();
        var token = running.Cancellation.Token;
        var result = "ok";
        using var activity = Activities.StartActivity("ws chat request", ActivityKind.Internal);
        try
        {
            var requestId = $"{upgrade.TraceIdentifier}-{id.Trim('"')}";
            using var response = await core.SendAsync(upgrade, body, requestId, token);
            if (!response.IsSuccessStatusCode)
            {
                result = "error";
                await SendCoreErrorAsync(id, response, token);
                return;
            }

            if (!string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                result = "upstream_error";
                await _writer.ErrorAsync(id, StatusCodes.Status502BadGateway, OpenAiErrors.BadGateway("The core answered without an event stream.").Error, token);
                return;
            }

            string? finishReason = null;
            byte[]? usage = null;
            await using var stream = await response.Content.ReadAsStreamAsync(token);
            await foreach (var item in SseParser.Create(stream, static (_, data) => ChatStreamEvent.Parse(data)).EnumerateAsync(token))
            {
                var chunk = item.Data;
                if (chunk.IsDone)
                {
                    break;
                }

                if (chunk.Error is { } error)
                {
                    result = IsDraining(error) ? "drained" : "error";
                    await _writer.ErrorAsync(id, IsDraining(error) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError, error, token);
                    return;
                }

                if (!string.IsNullOrEmpty(chunk.Content))
                {
                    await _writer.DeltaAsync(id, chunk.Content, token);
                }

                finishReason = chunk.FinishReason ?? finishReason;
                usage = chunk.Usage ?? usage;
            }

            await _writer.DoneAsync(id, finishReason, usage, token);
        }
        catch (OperationCanceledException) when (running.CanceledByClient && !_closing.IsCancellationRequested)
        {
            result = "canceled";
            await TrySendAsync(id, StatusCodes.Status499ClientClosedRequest, new OpenAiError("The request was canceled by the client.", OpenAiErrorTypes.InvalidRequest, null, "canceled"));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            result = "client_aborted";
        }
        catch (HttpRequestException ex)
        {
            result = "upstream_error";
            LogCoreUnreachable(logger, ex.Message);
            await TrySendAsync(id, StatusCodes.Status502BadGateway, OpenAiErrors.BadGateway("The core relay could not be reached.").Error);
        }
        catch (Exception ex) when (ex is IOException or WebSocketException)
        {
            result = "upstream_error";
            await TrySendAsync(id, StatusCodes.Status502BadGateway, OpenAiErrors.BadGateway("The core relay's stream broke off.").Error);
        }
        finally
        {
            metrics.WebSocketRequest(result);
            _running.TryRemove(id, out _);
            running.Cancellation.Dispose();
            running.Permit?.Dispose();
            _finished.Release();
        }
    }

    private async Task SendCoreErrorAsync(string id, HttpResponseMessage response, CancellationToken token)
    {
        var status = (int)response.StatusCode;
        byte[]? raw = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            var body = await ReadBoundedAsync(response.Content, 64 * 1024, token);
            raw = body is null ? null : ChatStreamEvent.Parse(body).Error;
        }

        if (raw is not null)
        {
            await _writer.ErrorAsync(id, status, raw, token);
        }
        else
        {
            await _writer.ErrorAsync(id, status, new OpenAiError($"The core answered {status}.", OpenAiErrorTypes.Upstream, null, "upstream_error"), token);
        }
    }

    private async Task TrySendAsync(string id, int status, OpenAiError error)
    {
        if (_closing.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await _writer.ErrorAsync(id, status, error, _closing.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The socket is going away.
        }
    }

    private async Task CloseWhenIdleAsync()
    {
        try
        {
            // No request starts while draining, so this only counts down.
            while (!_running.IsEmpty)
            {
                await _finished.WaitAsync(_closing.Token);
            }

            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "server draining", _closing.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Closed meanwhile.
        }
    }

    /// <summary>
    /// The client sent small frames faster than <c>Edge:WebSocket:MaxSmallFramesPerSecond</c> allows: close
    /// with 1008 (policy violation), then let the socket's read see the end of the stream, which
    /// ends the session and the connection.
    /// </summary>
    private async Task CloseFloodedAsync()
    {
        metrics.Rejected(LimitKinds.WebSocketFrameRate);
        LogTooManyFrames(logger, options.WebSocket.MaxSmallFramesPerSecond);
        limiters.WebSocketFlooders?.Hold(ClientAddresses.PartitionKey(upgrade.Connection.RemoteIpAddress));
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "too many frames", _closing.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            // The socket is going away anyway.
        }
        finally
        {
            frames!.Release();
        }
    }

    private static bool IsDraining(byte[] error) => error.AsSpan().IndexOf("\"server_draining\""u8) >= 0;

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int limit, CancellationToken token)
    {
        await using var stream = await content.ReadAsStreamAsync(token);
        var buffer = new byte[limit];
        var filled = 0;
        int read;
        while (filled < limit && (read = await stream.ReadAsync(buffer.AsMemory(filled), token)) > 0)
        {
            filled += read;
        }

        // An error body is {"error": {...}}, like a stream's error event, so one parser reads both.
        return filled == limit ? null : buffer[..filled];
    }

    /// <summary>
    /// A message that has begun must arrive as an HTTP body must (<c>Edge:Limits:MinRequestBodyDataRate</c>
    /// after the grace period): Kestrel's own rate does not watch an upgraded connection, and a
    /// message begun and never finished would hold the socket, its buffer and its permits for good.
    /// Timed on the injected <see cref="TimeProvider"/>: the source is created with its first delay,
    /// so its timer, which <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> moves on
    /// later frames, is the provider's.
    /// </summary>
    private CancellationTokenSource? StartMessageDeadline(int received, out long started)
    {
        started = time.GetTimestamp();
        return options.Limits.MinRequestBodyDataRate > 0 ? new CancellationTokenSource(Allowed(received), time) : null;
    }

    private void ArmMessageDeadline(CancellationTokenSource deadline, long started, int received)
    {
        var left = Allowed(received) - time.GetElapsedTime(started);
        if (left <= TimeSpan.Zero)
        {
            deadline.Cancel();
        }
        else
        {
            deadline.CancelAfter(left);
        }
    }

    /// <summary>How long a message may have taken to arrive once <paramref name="received"/> bytes of it have.</summary>
    private TimeSpan Allowed(int received) =>
        options.Limits.MinRequestBodyDataRateGracePeriod + TimeSpan.FromSeconds(received / options.Limits.MinRequestBodyDataRate);

    private static OpenAiError InvalidMessage(string message) =>
        new(message, OpenAiErrorTypes.InvalidRequest, null, "invalid_message");

    [LoggerMessage(EventId = 51, EventName = "WebSocketChatCoreUnreachable", Level = LogLevel.Warning, Message = "A WebSocket chat request could not reach any core: {Reason}")]
    private static partial void LogCoreUnreachable(ILogger logger, string reason);

    [LoggerMessage(EventId = 52, EventName = "WebSocketChatMessageTooSlow", Level = LogLevel.Debug, Message = "A WebSocket chat message arrived slower than {MinBytesPerSecond} B/s after the grace period; the socket was closed")]
    private static partial void LogMessageTooSlow(ILogger logger, double minBytesPerSecond);

    [LoggerMessage(EventId = 53, EventName = "WebSocketChatTooManyFrames", Level = LogLevel.Debug, Message = "A WebSocket chat client sent small frames faster than {MaxSmallFramesPerSecond} a second; the socket was closed with 1008")]
    private static partial void LogTooManyFrames(ILogger logger, int maxSmallFramesPerSecond);

    private sealed class Running(CancellationTokenSource cancellation, RateLimitLease? permit)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        /// <summary>The request's permit of the per-client concurrency limit, released when it ends.</summary>
        public RateLimitLease? Permit { get; } = permit;

        public Task Task { get; set; } = Task.CompletedTask;

        public bool CanceledByClient { get; set; }
    }
}
