using System.Net;
using AiCdn.Testing;

namespace AiCdn.ResumableStreams.Tests;

/// <summary>
/// The client's own connection drops; it comes back through another edge (which has never seen the
/// stream and knows two cores) with Last-Event-ID and gets the rest: complete, exact, in order.
/// </summary>
public sealed class ClientResumeTests
{
    private const int Tokens = 30;

    [Fact]
    public async Task ClientResumesThroughAnotherEdge_GetsTheRestExactlyOnce()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings { AuthQuota = { ["AuthQuota:ApiKeys"] = $"{Chain.ApiKey},sk-aicdn-someone-else" } });
        var otherCore = await chain.AddCoreAsync();

        // The second edge lists the other core first: it must find the stream's core on its own.
        var secondEdge = await chain.AddEdgeAsync(new Dictionary<string, string?>
        {
            ["Edge:CoreNodes"] = $"{otherCore.Address.ToString().TrimEnd('/')},{chain.Core.Address.ToString().TrimEnd('/')}",
        });
        var expected = await Streams.WholeTextAsync(chain, Tokens);
        await Streams.ResetOriginAuditAsync(chain);

        using var first = Streams.Client(chain.Edge);
        var response = await first.SendAsync(Streams.PacedChat(Tokens, intervalMs: 50), HttpCompletionOption.ResponseHeadersRead);
        var streamId = response.Headers.GetValues(Streams.StreamIdHeader).Single();
        var events = new List<SseEvent>();
        await foreach (var item in SseClient.ReadAsync(response))
        {
            events.Add(item);
            if (events.Count == 7)
            {
                break;
            }
        }

        response.Dispose();

        using var second = Streams.Client(secondEdge);
        using (var stranger = await second.SendAsync(Streams.Resume(streamId, events[^1].Id, key: "sk-aicdn-someone-else")))
        {
            Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        }

        using var resumed = await second.SendAsync(Streams.Resume(streamId, events[^1].Id), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        events.AddRange(await SseClient.ReadAllAsync(resumed));

        Streams.AssertWholeAndInOrder(streamId, events, Tokens, expected);
        Assert.Equal(1, await Streams.OriginChatRequestsAsync(chain));
    }
}
