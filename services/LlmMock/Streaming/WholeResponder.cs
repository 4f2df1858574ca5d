using System.Buffers;
using System.Text.Json;
using AiCdn.LlmMock.Faults;
using AiCdn.LlmMock.Telemetry;

namespace AiCdn.LlmMock.Streaming;

/// <summary>
/// Sends a non-streamed answer when the whole of it would have been generated, with the stream
/// faults translated: a stall delays it, an abort resets the connection instead of answering, a
/// malformed fault sends only the first half of the JSON.
/// </summary>
public static class WholeResponder
{
    /// <returns>True when the whole body was sent.</returns>
    public static async Task<bool> WriteAsync(
        HttpContext context,
        TimeSpan generation,
        FaultPlan fault,
        TimeProvider time,
        LlmMockMetrics metrics,
        Action<Utf8JsonWriter> writeBody)
    {
        var cancel = context.RequestAborted;
        try
        {
            if (fault.StallAfterChunks is not null)
            {
                metrics.Fault("stall");
                generation += fault.Stall;
            }

            await Task.Delay(generation, time, cancel);
            if (fault.AbortAfterChunks is not null)
            {
                metrics.Fault("abort");
                context.Abort();
                return false;
            }

            context.Response.ContentType = "application/json";
            var output = context.Response.BodyWriter;
            if (fault.MalformedAfterChunks is not null)
            {
                metrics.Fault("malformed");
                var whole = new ArrayBufferWriter<byte>();
                using (var json = new Utf8JsonWriter(whole))
                {
                    writeBody(json);
                }

                output.Write(whole.WrittenSpan[..(whole.WrittenCount / 2)]);
            }
            else
            {
                using var json = new Utf8JsonWriter(output);
                writeBody(json);
            }

            var result = await output.FlushAsync(cancel);
            return !result.IsCompleted && !result.IsCanceled && fault.MalformedAfterChunks is null;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return false;
        }
    }
}
