using System.Diagnostics;
using System.Net;
using AiCdn.Testing;

namespace AiCdn.ResumableStreams.Tests;

/// <summary>
/// The link between edge and core drops mid-stream (a TCP relay between them resets every
/// connection). The core still has the stream: the edge reopens it after the last event the
/// client received, and the client sees one unbroken stream — every token once, in order — while
/// the origin generated once and the tokens were charged once.
/// </summary>
public sealed class LinkLossTests
{
    private const int Tokens = 40;

    [Theory]
    [InlineData("http1", 1)]
    [InlineData("http1", 4)]
    [InlineData("h2c", 1)]
    [InlineData("h2c", 4)]
    public async Task LinkCutMidStream_ClientSeesOneUnbrokenStream(string transport, int cuts)
    {
        var settlements = new SettlementCounter();
        var h2cPort = FreePort.Next();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{h2cPort}" },
            CoreServices = settlements.AddTo,
        });
        var coreAddress = transport == "h2c" ? new Uri($"http://127.0.0.1:{h2cPort}") : chain.Core.Address;
        await using var link = new TcpFaultProxy(coreAddress);
        var edge = await chain.AddEdgeAsync(new Dictionary<string, string?>
        {
            ["Edge:CoreNodes"] = link.Address.ToString().TrimEnd('/'),
            ["Edge:CoreTransport"] = transport,
        });
        var expected = await Streams.WholeTextAsync(chain, Tokens);
        await Streams.ResetOriginAuditAsync(chain);
        using var client = Streams.Client(edge);

        using var response = await client.SendAsync(Streams.PacedChat(Tokens, intervalMs: 60), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var streamId = response.Headers.GetValues(Streams.StreamIdHeader).Single();
        var events = new List<SseEvent>();
        var cutsDone = 0;
        await foreach (var item in SseClient.ReadAsync(response))
        {
            events.Add(item);
            if (cutsDone < cuts && events.Count == 6 + (cutsDone * 7))
            {
                Assert.True(link.CutAll() > 0, "there was no open link to cut");
                cutsDone++;
            }
        }

        Assert.Equal(cuts, cutsDone);
        Streams.AssertWholeAndInOrder(streamId, events, Tokens, expected);
        Assert.True(link.Accepted > cuts, $"the edge reconnected {link.Accepted - 1} time(s) for {cuts} cut(s)");
        Assert.Equal(1, await Streams.OriginChatRequestsAsync(chain));
        await Wait.UntilAsync(() => settlements.CompletionTokens.Count >= 2, TimeSpan.FromSeconds(15), "the stream's settlement");
        await Task.Delay(300);

        // Two reservations settled: WholeTextAsync's request and the stream's, each once and whole
        // (a settlement the core had to send again, because auth-quota answered late, is the same one).
        Assert.Equal(2, settlements.CompletionTokens.Count);
        Assert.All(settlements.CompletionTokens, tokens => Assert.Equal(Tokens, tokens));
        Assert.Empty(settlements.Inconsistent);
    }

    [Theory]
    [InlineData("http1")]
    [InlineData("h2c")]
    public async Task CoreKilledMidStream_EveryClientGetsStreamLostAtOnce_NotAfterTheResumeTimeout(string transport)
    {
        const int Clients = 20;
        var h2cPort = FreePort.Next();
        await using var chain = await Chain.StartAsync(new ChainSettings { Core = { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{h2cPort}" } });
        var coreAddress = transport == "h2c" ? new Uri($"http://127.0.0.1:{h2cPort}") : chain.Core.Address;
        await using var link = new TcpFaultProxy(coreAddress);
        var edge = await chain.AddEdgeAsync(new Dictionary<string, string?>
        {
            ["Edge:CoreNodes"] = link.Address.ToString().TrimEnd('/'),
            ["Edge:CoreTransport"] = transport,
            ["Edge:LinkResumeTimeout"] = "00:00:30",
        });
        using var client = Streams.Client(edge);

        var streams = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => client.SendAsync(Streams.PacedChat(Tokens, intervalMs: 200), HttpCompletionOption.ResponseHeadersRead)));
        var readers = streams.Select(async response =>
        {
            var events = new List<SseEvent>();
            await foreach (var item in SseClient.ReadAsync(response))
            {
                events.Add(item);
            }

            return (Ended: Stopwatch.GetTimestamp(), Events: events);
        }).ToList();
        await Task.Delay(600);

        link.Kill();
        var killed = Stopwatch.GetTimestamp();
        var ended = await Task.WhenAll(readers);

        foreach (var (end, events) in ended)
        {
            var last = events[^1].Data;
            Assert.Contains("\"code\":\"stream_lost\"", last, StringComparison.Ordinal);
            Assert.True(events.Count < Tokens, "the stream was cut before its end");
            Assert.True(Stopwatch.GetElapsedTime(killed, end) < TimeSpan.FromSeconds(10), $"a client waited {Stopwatch.GetElapsedTime(killed, end)} for the end (the resume timeout is 30 s)");
        }

        foreach (var response in streams)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task CoreKilledMidStream_EachStreamIsSettledForWhatItsClientReceived_ByAnotherCore()
    {
        const int Clients = 12;
        var survivor = new SettlementCounter();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = survivor.AddTo });

        // Core A settles through a link that dies with it: as a killed core, it can settle nothing.
        await using var quotaLink = new TcpFaultProxy(chain.AuthQuota.Address);
        var coreA = await chain.AddCoreAsync(new Dictionary<string, string?>
        {
            ["CoreRelay:AuthQuotaUrl"] = quotaLink.Address.ToString().TrimEnd('/'),
            ["CoreRelay:Resumable:NodeId"] = "node-a",
        });
        await using var linkA = new TcpFaultProxy(coreA.Address);
        var edge = await chain.AddEdgeAsync(new Dictionary<string, string?>
        {
            ["Edge:CoreNodes"] = $"{linkA.Address.ToString().TrimEnd('/')},{chain.Core.Address.ToString().TrimEnd('/')}",
        });
        using var client = Streams.Client(edge);

        var streams = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => client.SendAsync(Streams.PacedChat(Tokens, intervalMs: 100), HttpCompletionOption.ResponseHeadersRead)));
        Assert.All(streams, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        var readers = streams.Select(async response =>
        {
            var events = new List<SseEvent>();
            await foreach (var item in SseClient.ReadAsync(response))
            {
                events.Add(item);
            }

            return events;
        }).ToList();
        await Task.Delay(800);

        quotaLink.Kill();
        linkA.Kill();
        var ended = await Task.WhenAll(readers);

        var onA = streams.Select((response, i) => (Id: response.Headers.GetValues(Streams.StreamIdHeader).Single(), Prompt: response.Headers.GetValues("x-aicdn-prompt-tokens").Single(), Events: ended[i]))
            .Where(s => s.Id.StartsWith("s_node-a_", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(onA);
        Assert.All(onA, s => Assert.Contains("\"code\":\"stream_lost\"", s.Events[^1].Data, StringComparison.Ordinal));

        // Each of core A's streams is settled by core B, for the prompt and the tokens its client received.
        var received = onA.Select(s => (int.Parse(s.Prompt, System.Globalization.CultureInfo.InvariantCulture), s.Events.Count(e => ChatChunks.ContentOf(e.Data) is { Length: > 0 }))).Order().ToList();
        await Wait.UntilAsync(() => survivor.LostStreams.Count >= onA.Count, TimeSpan.FromSeconds(20), "every lost stream reported and settled");
        Assert.Equal(received, survivor.LostStreams.Order().ToList());
        Assert.All(received, r => Assert.InRange(r.Item2, 1, Tokens - 1));

        foreach (var response in streams)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task LinkLostAndTheCoreNoLongerHoldsTheStream_ClientGetsStreamLost()
    {
        await using var chain = await Chain.StartAsync();
        var other = await chain.AddCoreAsync();
        await using var link = new TcpFaultProxy(chain.Core.Address);
        var edge = await chain.AddEdgeAsync(new Dictionary<string, string?> { ["Edge:CoreNodes"] = link.Address.ToString().TrimEnd('/') });
        using var client = Streams.Client(edge);

        using var response = await client.SendAsync(Streams.PacedChat(Tokens, intervalMs: 100), HttpCompletionOption.ResponseHeadersRead);
        var events = new List<SseEvent>();
        await foreach (var item in SseClient.ReadAsync(response))
        {
            events.Add(item);
            if (events.Count == 4)
            {
                // As a core restarted at the same address: it answers, but holds no streams.
                link.Retarget(other.Address);
                link.CutAll();
            }
        }

        Assert.Contains("\"code\":\"stream_lost\"", events[^1].Data, StringComparison.Ordinal);
        Assert.True(events.Count < Tokens);
    }
}
