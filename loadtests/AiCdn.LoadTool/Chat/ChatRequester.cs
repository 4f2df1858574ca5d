using System.Buffers;
using System.Net;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using AiCdn.LoadTool.Http;

namespace AiCdn.LoadTool.Chat;

/// <summary>Sends one chat completion and verifies what comes back, streamed or whole.</summary>
public static class ChatRequester
{
    /// <summary>
    /// Sends a streamed request and checks every event with a <see cref="StreamVerifier"/>. Times are
    /// measured from <paramref name="scheduledAt"/> (a <see cref="TimeProvider"/> timestamp), the
    /// moment the request should have been sent, so a late sender cannot hide latency.
    /// </summary>
    public static async Task<RequestOutcome> StreamAsync(
        LoadClient client,
        HttpRequestMessage request,
        StreamVerifier verifier,
        long scheduledAt,
        TimeProvider time,
        StreamObserver observer,
        CancellationToken cancellationToken)
    {
        var wasOpen = false;
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return await FailedStatusAsync(response, verifier.ExpectedEvents, scheduledAt, time, cancellationToken);
            }

            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                return new RequestOutcome("not_event_stream", verifier.ExpectedEvents, time.GetElapsedTime(scheduledAt), false);
            }

            wasOpen = true;
            observer.Opened?.Invoke();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            long lastContent = 0;
            var parser = SseParser.Create(body, static (_, data) => Chunk.Parse(data));
            await foreach (var item in parser.EnumerateAsync(cancellationToken))
            {
                observer.Event?.Invoke();
                var chunk = item.Data;
                if (chunk.Kind == ChunkKind.Content)
                {
                    var now = time.GetTimestamp();
                    if (lastContent == 0)
                    {
                        observer.FirstToken?.Invoke(time.GetElapsedTime(scheduledAt, now));
                    }
                    else
                    {
                        observer.ChunkGap?.Invoke(time.GetElapsedTime(lastContent, now));
                    }

                    lastContent = now;
                }

                if (!verifier.Accept(chunk))
                {
                    return new RequestOutcome(verifier.Failure, verifier.Lost, time.GetElapsedTime(scheduledAt), true);
                }
            }

            return verifier.End()
                ? new RequestOutcome(null, 0, time.GetElapsedTime(scheduledAt), true)
                : new RequestOutcome(verifier.Failure, verifier.Lost, time.GetElapsedTime(scheduledAt), true);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken) is { } kind)
        {
            return new RequestOutcome(kind, verifier.Lost, time.GetElapsedTime(scheduledAt), wasOpen);
        }
    }

    /// <summary>Sends a non-streamed request and checks its text against <paramref name="expectedText"/>.</summary>
    public static async Task<RequestOutcome> WholeAsync(
        LoadClient client,
        HttpRequestMessage request,
        string expectedText,
        long scheduledAt,
        TimeProvider time,
        Action<TimeSpan>? headers,
        CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return await FailedStatusAsync(response, 0, scheduledAt, time, cancellationToken);
            }

            headers?.Invoke(time.GetElapsedTime(scheduledAt));
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var total = time.GetElapsedTime(scheduledAt);
            return ExpectedTexts.WholeText(body) == expectedText
                ? new RequestOutcome(null, 0, total, true)
                : new RequestOutcome("text_mismatch", 0, total, true);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken) is { } kind)
        {
            return new RequestOutcome(kind, 0, time.GetElapsedTime(scheduledAt), false);
        }
    }

    private static async Task<RequestOutcome> FailedStatusAsync(HttpResponseMessage response, int lost, long scheduledAt, TimeProvider time, CancellationToken cancellationToken)
    {
        // Read (a bounded part of) the error so the connection can be reused, and keep only its code.
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            var code = ExpectedTexts.ErrorCode(buffer.AsSpan(0, length));
            var kind = code is null ? $"status_{(int)response.StatusCode}" : $"status_{(int)response.StatusCode}_{code}";
            return new RequestOutcome(kind, lost, time.GetElapsedTime(scheduledAt), false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A short stable name for a failure: bounded cardinality, never a message that could quote a key.</summary>
    private static string? Classify(Exception ex, CancellationToken cancellationToken)
    {
        if (ex is OperationCanceledException)
        {
            return cancellationToken.IsCancellationRequested ? "cancelled_by_deadline" : "timeout";
        }

        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connect_refused",
                    SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable => "no_source_port",
                    SocketError.TooManyOpenSockets => "too_many_open_files",
                    SocketError.ConnectionReset => "connection_reset",
                    SocketError.TimedOut => "connect_timeout",
                    _ => "socket_" + socket.SocketErrorCode.ToString().ToLowerInvariant(),
                };
            }
        }

        return ex switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "ended_early",
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connect_error",
            HttpRequestException http => "http_" + http.HttpRequestError.ToString().ToLowerInvariant(),
            IOException => "io_error",
            _ => "error_" + ex.GetType().Name.ToLowerInvariant(),
        };
    }
}
