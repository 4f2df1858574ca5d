using AiCdn.Testing;

namespace AiCdn.LlmMock.Tests;

/// <summary>Reads an SSE response in the background, so a test can watch events arrive as it moves a fake clock.</summary>
internal sealed class SseCollector
{
    private readonly Lock _gate = new();
    private readonly List<SseEvent> _events = [];

    private SseCollector(HttpResponseMessage response)
    {
        Completion = Task.Run(async () =>
        {
            await foreach (var item in SseClient.ReadAsync(response))
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

    public static SseCollector Start(HttpResponseMessage response) => new(response);

    public Task WaitForCountAsync(int count, string what) =>
        Wait.UntilAsync(() => Count >= count || Completion.IsCompleted, TimeSpan.FromSeconds(10), $"{count} events ({what}); saw {Count}")
            .ContinueWith(t =>
            {
                t.GetAwaiter().GetResult();
                Assert.True(Count >= count, $"the stream ended after {Count} events, expected at least {count} ({what})");
            }, TaskScheduler.Default);

    /// <summary>
    /// Asserts that no further event arrives while the fake clock stands still. The real-time wait
    /// can only make this pass wrongly (never fail wrongly): with the clock frozen nothing is due.
    /// </summary>
    public async Task AssertNoMoreThanAsync(int count, string why)
    {
        await Task.Delay(200);
        Assert.True(Count <= count, $"expected at most {count} events {why}, saw {Count}");
    }

    public async Task<Exception?> WaitForEndAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await Completion.WaitAsync(timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"the stream did not end within 10 s; saw {Count} events");
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
