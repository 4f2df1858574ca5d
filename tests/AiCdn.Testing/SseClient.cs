using System.Diagnostics;
using System.Net.ServerSentEvents;

namespace AiCdn.Testing;

/// <summary>Reads an SSE response event by event, timing each arrival (System.Net.ServerSentEvents' parser).</summary>
public static class SseClient
{
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
}
