using System.Buffers;
using AiCdn.Common.Errors;
using AiCdn.Common.Streams;
using AiCdn.CoreRelay.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace AiCdn.CoreRelay.Resumable;

/// <summary>
/// Serves a resume: the events after the client's <c>Last-Event-ID</c>, then the live rest. Only
/// the key that started a stream may resume it; any other key gets the same 404 as an unknown id.
/// A resume never reaches the origin and is never charged again.
/// </summary>
public sealed class StreamResumer(StreamRegistry registry, CoreRelayMetrics metrics)
{
    public async Task ResumeAsync(HttpContext context, string streamId, long afterSequence, string keyHash)
    {
        switch (registry.Find(streamId, keyHash, out var session))
        {
            case ResumeLookup.NotFound:
                metrics.Resume("not_found");
                await StreamNotFound().ExecuteAsync(context);
                return;
            case ResumeLookup.Expired:
                metrics.Resume("expired");
                await Gone("stream_expired", "This stream's grace period is over; its events are no longer kept.").ExecuteAsync(context);
                return;
        }

        if (!session!.HasSent(afterSequence))
        {
            // An id this stream never sent is the client's mistake, not a buffer that overflowed.
            metrics.Resume("invalid_event_id");
            await InvalidEventId().ExecuteAsync(context);
            return;
        }

        var reader = session.Subscribe(afterSequence);
        if (reader is null)
        {
            metrics.Resume("buffer_exceeded");
            await Gone("stream_buffer_exceeded", "The events after this id are no longer buffered (the stream's replay buffer was full).").ExecuteAsync(context);
            return;
        }

        metrics.Resume("succeeded");
        await using (reader)
        {
            var response = context.Response;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers["X-Accel-Buffering"] = "no";
            response.Headers[StreamId.Header] = session.Id;
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await response.StartAsync(context.RequestAborted);

            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await reader.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                    await response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client left again; the stream waits for it through another grace period.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public static OpenAiErrorResult StreamNotFound() => new(
        StatusCodes.Status404NotFound,
        new OpenAiError("No stream with this id exists for this API key.", OpenAiErrorTypes.InvalidRequest, "stream_id", "stream_not_found"));

    public static OpenAiErrorResult InvalidEventId() => OpenAiErrors.InvalidParameter(
        StreamId.LastEventIdHeader, "Last-Event-ID must be an event id of this stream, '<stream id>.<sequence>'.");

    private static OpenAiErrorResult Gone(string code, string message) => new(
        StatusCodes.Status410Gone, new OpenAiError(message, OpenAiErrorTypes.InvalidRequest, "stream_id", code));
}
