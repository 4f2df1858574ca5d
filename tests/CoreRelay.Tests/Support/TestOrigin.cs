using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using AiCdn.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AiCdn.CoreRelay.Tests.Support;

/// <summary>
/// A scriptable OpenAI-like origin for failure tests: its behaviour is fixed at start
/// (fail with a status, abort mid-stream, stream slowly) and it records what happened to it.
/// </summary>
public sealed class TestOrigin : IAsyncDisposable
{
    private readonly ServiceHost _host;
    private int _hits;

    private TestOrigin(ServiceHost host) => _host = host;

    public Uri Address => _host.Address;

    public string Url => _host.Address.ToString().TrimEnd('/');

    public int Hits => Volatile.Read(ref _hits);

    /// <summary>When the origin noticed its caller went away (elapsed since process start), if it did.</summary>
    public ConcurrentQueue<long> AbortedAtTimestamps { get; } = new();

    public ConcurrentQueue<int> ChunksWrittenBeforeAbort { get; } = new();

    public static async Task<TestOrigin> StartAsync(TestOriginBehavior behavior, int status = 503, TimeSpan? retryAfter = null, int chunksBeforeAbort = 2, TimeSpan? chunkInterval = null)
    {
        TestOrigin? origin = null;
        var host = await ServiceHost.StartAsync(
            _ => { },
            app => app.MapPost("/v1/chat/completions", context => origin!.HandleAsync(context, behavior, status, retryAfter, chunksBeforeAbort, chunkInterval ?? TimeSpan.FromMilliseconds(100))));
        origin = new TestOrigin(host);
        return origin;
    }

    private async Task HandleAsync(HttpContext context, TestOriginBehavior behavior, int status, TimeSpan? retryAfter, int chunksBeforeAbort, TimeSpan interval)
    {
        Interlocked.Increment(ref _hits);
        if (behavior == TestOriginBehavior.FailWithStatus)
        {
            context.Response.StatusCode = status;
            if (retryAfter is { } wait)
            {
                context.Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await context.Response.WriteAsync("""{"error":{"message":"test origin failure","type":"server_error","param":null,"code":null}}""");
            return;
        }

        if (behavior == TestOriginBehavior.HoldHeaders)
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                AbortedAtTimestamps.Enqueue(Stopwatch.GetTimestamp());
            }

            return;
        }

        context.Response.ContentType = "text/event-stream";
        var written = 0;
        try
        {
            await Write(context, """{"id":"t","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""");
            for (var i = 0; i < 1000; i++)
            {
                if (behavior == TestOriginBehavior.AbortMidStream && written == chunksBeforeAbort)
                {
                    context.Abort();
                    return;
                }

                await Write(context, $$"""{"id":"t","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" tok{{i}}"},"finish_reason":null}]}""");
                written++;
                await Task.Delay(interval, context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                AbortedAtTimestamps.Enqueue(Stopwatch.GetTimestamp());
                ChunksWrittenBeforeAbort.Enqueue(written);
            }
        }
    }

    private static async Task Write(HttpContext context, string json)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("data: " + json + "\n\n"), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

public enum TestOriginBehavior
{
    FailWithStatus,
    AbortMidStream,
    SlowStream,

    /// <summary>Takes the request and answers nothing until its caller leaves (a model still reading a long prompt).</summary>
    HoldHeaders,
}
