using AiCdn.LlmMock.Faults;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Telemetry;

namespace AiCdn.LlmMock.Streaming;

/// <summary>
/// Sends one completion as Server-Sent Events, paced: headers at once, the first token after the
/// time to first token, then one token per tick of a <see cref="PeriodicTimer"/> (one timer per
/// stream, never a timer or task per token). Stream faults strike after a given number of content
/// chunks. Every timer a client could be waiting on exists before the bytes that precede it are
/// flushed, so a test driving a fake clock can advance it as soon as it sees those bytes.
/// </summary>
public static class TokenStreamer
{
    /// <summary>With no token interval, how long a reset waits so the chunks before it leave first.</summary>
    public static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(50);

    /// <param name="ended">Called once when the stream is over, with the content chunks sent.</param>
    /// <returns>True when the whole stream was sent; false when the client left or a fault cut it.</returns>
    public static async Task<bool> StreamAsync(
        HttpContext context,
        ITokenStreamFormat format,
        CompletionPlan plan,
        FaultPlan fault,
        TimeProvider time,
        LlmMockMetrics metrics,
        ILogger logger,
        Action<int>? ended = null)
    {
        var response = context.Response;
        var cancel = context.RequestAborted;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        var output = response.BodyWriter;
        var sent = 0;
        metrics.StreamOpened();
        try
        {
            var firstToken = Task.Delay(plan.TimeToFirstToken, time, cancel);
            format.WritePreamble(output);
            if (!await FlushAsync(output, cancel))
            {
                return false;
            }

            await firstToken;
            using var pacer = plan.TokenInterval > TimeSpan.Zero ? new PeriodicTimer(plan.TokenInterval, time) : null;
            format.WriteStart(output);
            if (!await AfterChunksAsync(0))
            {
                return false;
            }

            var choices = plan.Choices;
            for (var step = 0; step < Math.Max(1, plan.Steps); step++)
            {
                if (step > 0 && pacer is not null && !await pacer.WaitForNextTickAsync(cancel))
                {
                    return false;
                }

                for (var c = 0; c < choices.Count; c++)
                {
                    var choice = choices[c];
                    if (step < choice.Chunks)
                    {
                        format.WriteChunk(output, choice, step);
                        if (!await AfterChunksAsync(++sent))
                        {
                            return false;
                        }
                    }

                    if (step == Math.Max(0, choice.Chunks - 1))
                    {
                        format.WriteChoiceEnd(output, choice);
                    }
                }

                if (!await FlushAsync(output, cancel))
                {
                    return false;
                }
            }

            format.WriteEnd(output);
            return await FlushAsync(output, cancel);

            // The stream faults, checked after the role chunk (0) and after every content chunk.
            async Task<bool> AfterChunksAsync(int chunks)
            {
                if (!fault.AffectsStream)
                {
                    return true;
                }

                if (fault.MalformedAfterChunks == chunks)
                {
                    metrics.Fault("malformed");
                    format.WriteMalformed(output);
                }

                if (fault.StallAfterChunks == chunks)
                {
                    metrics.Fault("stall");
                    var stall = Task.Delay(fault.Stall, time, cancel);
                    if (!await FlushAsync(output, cancel))
                    {
                        return false;
                    }

                    await stall;
                }

                if (fault.AbortAfterChunks == chunks)
                {
                    // A crashed origin dies while making the next token: reset when it would be due.
                    metrics.Fault("abort");
                    var due = pacer is null ? Task.Delay(AbortGrace, time, cancel) : pacer.WaitForNextTickAsync(cancel).AsTask();
                    if (await FlushAsync(output, cancel))
                    {
                        await due;
                        Log.ConnectionReset(logger, context.Request.Path, chunks);
                        context.Abort();
                    }

                    return false;
                }

                return true;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Log.ClientLeft(logger, context.Request.Path, sent);
            return false;
        }
        finally
        {
            metrics.StreamClosed();
            ended?.Invoke(sent);
        }
    }

    private static async ValueTask<bool> FlushAsync(System.IO.Pipelines.PipeWriter output, CancellationToken cancel)
    {
        var result = await output.FlushAsync(cancel);
        return !result.IsCompleted && !result.IsCanceled;
    }
}
