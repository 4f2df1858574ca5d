using System.Diagnostics;
using System.Net.ServerSentEvents;
using Xunit;

namespace AiCdn.Testing;

/// <summary>
/// Reads an SSE response event by event, timing each arrival (System.Net.ServerSentEvents' parser):
/// to the end (<see cref="ReadAllAsync"/>), as they come (<see cref="ReadAsync"/>), or in the
/// background (<see cref="Start"/>), so a test can watch events arrive as it moves a fake clock.
/// </summary>
public sealed class SseClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly List<SseEvent> _events = [];

    private SseClient(HttpResponseMessage response)
    {
        Completion = Task.Run(async () =>
        {
            await foreach (var item in ReadAsync(response))
            {
                lock (_gate)
                {
                    _events.Add(item);
                }
            }
        });
    }

    /// <summary>Completes when the stream ends; faults when the connection breaks.</summary>
    public Task Completion { get; }

    public IReadOnlyList<SseEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    public static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var events = new List<SseEvent>();
        await foreach (var item in ReadAsync(response, cancellationToken))
        {
            events.Add(item);
        }

        return events;
    }

    public static async IAsyncEnumerable<SseEvent> ReadAsync(
        HttpResponseMessage response,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var parser = SseParser.Create(stream);
        await foreach (var item in parser.EnumerateAsync(cancellationToken))
        {
            yield return new SseEvent(item.EventId, item.EventType, item.Data, clock.Elapsed);
        }
    }

    /// <summary>Starts reading <paramref name="response"/> in the background.</summary>
    public static SseClient Start(HttpResponseMessage response) => new(response);

    public async Task WaitForCountAsync(int count, string what)
    {
        await Wait.UntilAsync(() => Count >= count || Completion.IsCompleted, Timeout, $"{count} events ({what}); saw {Count}");
        Assert.True(Count >= count, $"the stream ended after {Count} events, expected at least {count} ({what})");
    }

    /// <summary>
    /// Asserts that no further event arrives while the fake clock stands still. The real-time wait
    /// can only make this pass wrongly (never fail wrongly): with the clock frozen nothing is due.
    /// </summary>
    public async Task AssertNoMoreThanAsync(int count, string why)
    {
        await Task.Delay(200);
        Assert.True(Count <= count, $"expected at most {count} events {why}, saw {Count}");
    }

    /// <summary>Waits for the stream to end; returns the exception it ended with, or null when it ended cleanly.</summary>
    public async Task<Exception?> WaitForEndAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await Completion.WaitAsync(timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"the stream did not end within {Timeout.TotalSeconds:0} s; saw {Count} events");
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
