using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using AiCdn.LoadTool.Chat;

namespace AiCdn.LoadTool.Chaos;

/// <summary>
/// Non-streamed requests at a steady rate through the edges, as a client behind a load balancer
/// sends them: an edge that refuses the connection or says it is draining gets the request once
/// more on the other edge. Each outcome is kept with its time, to count refusals and measure recovery.
/// </summary>
public sealed class BackgroundLoad(HttpMessageInvoker client, IReadOnlyList<Uri> edges, IReadOnlyList<string> keys, double rate)
{
    private readonly ConcurrentQueue<Outcome> _outcomes = new();

    /// <summary>One request: when it was sent and when it ended (<see cref="Stopwatch"/> timestamps), and why it failed if it did.</summary>
    public readonly record struct Outcome(long Sent, long Ended, string? Failure);

    public IReadOnlyList<Outcome> Outcomes => [.. _outcomes];

    public async Task RunAsync(CancellationToken stop)
    {
        var interval = TimeSpan.FromSeconds(1 / rate);
        var running = new List<Task>();
        var next = 0;
        try
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(stop))
            {
                var n = next++;
                running.Add(OneAsync(n));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(running);
    }

    private async Task OneAsync(int n)
    {
        var sent = Stopwatch.GetTimestamp();
        string? failure = null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var edge = edges[(n + attempt) % edges.Count];
            var keyIndex = n % keys.Count;
            using var request = ChaosRequests.Chat(edge, keys[keyIndex], keyIndex, tokens: 4, stream: false, intervalMs: 0);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                using var response = await client.SendAsync(request, timeout.Token);
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    failure = null;
                    break;
                }

                var code = ExpectedTexts.ErrorCode(body);
                failure = $"status_{(int)response.StatusCode}_{code ?? "none"}";
                if (code is not ("server_draining" or "too_many_connections"))
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                // Refused or reset by an edge that is gone: a load balancer tries the other one.
                failure = ex is OperationCanceledException ? "timeout" : "connect_failed";
            }
        }

        _outcomes.Enqueue(new Outcome(sent, Stopwatch.GetTimestamp(), failure));
    }
}
