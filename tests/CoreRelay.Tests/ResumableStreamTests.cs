using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AiCdn.Common.Streams;
using AiCdn.CoreRelay.Resumable;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.CoreRelay.Tests;

/// <summary>A stream outlives a lost client: resumed after its last event id, it is complete and exact, and the origin generates once.</summary>
public sealed class ResumableStreamTests
{
    private const int Tokens = 30;

    private static HttpRequestMessage PacedChat(string key, int intervalMs = 40)
    {
        var request = Requests.Chat(key, stream: true, maxTokens: Tokens);
        request.Headers.Add("x-mock-token-interval-ms", intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("x-mock-ttft-ms", "0");
        return request;
    }

    private static HttpClient NonDrainingClient(Chain chain) =>
        new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = chain.Edge.Address };

    [Fact]
    public async Task StreamedResponse_HasStreamIdAndConsecutiveEventIds()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(PacedChat(Chain.ApiKey, intervalMs: 0), HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        var streamId = Assert.Single(response.Headers.GetValues(StreamId.Header));
        Assert.True(StreamId.TryParse(streamId, out _));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => $"{streamId}.{i}"), events.Select(e => e.SequenceId));
        Assert.Equal("[DONE]", events[^1].Data);
    }

    [Fact]
    public async Task OptedOut_StreamIsPlain()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 3, resumable: false), HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        Assert.False(response.Headers.Contains(StreamId.Header));
        Assert.All(events, e => Assert.True(string.IsNullOrEmpty(e.Id)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClientLeavesMidStream_ResumeWithLastEventId_GetsTheRestExactlyOnce_AndOriginGeneratedOnce(bool resendOriginalRequest)
    {
        var recorder = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = recorder.AddTo });
        using var client = NonDrainingClient(chain);
        var mock = chain.Mock.CreateClient();
        await mock.DeleteAsync("/mock/requests");

        // Read 8 events, then drop the connection.
        var first = await client.SendAsync(PacedChat(Chain.ApiKey), HttpCompletionOption.ResponseHeadersRead);
        var streamId = first.Headers.GetValues(StreamId.Header).Single();
        var received = new List<SseEvent>();
        await foreach (var item in SseClient.ReadAsync(first))
        {
            received.Add(item);
            if (received.Count == 8)
            {
                break;
            }
        }

        first.Dispose();

        // Resume through the edge after the last event we saw.
        using var resume = resendOriginalRequest ? PacedChat(Chain.ApiKey) : new HttpRequestMessage(HttpMethod.Get, $"/v1/streams/{streamId}");
        resume.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.ApiKey);
        resume.Headers.Add("Last-Event-ID", received[^1].Id);
        using var resumed = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        received.AddRange(await SseClient.ReadAllAsync(resumed));

        // Every event exactly once, in order, complete.
        Assert.Equal(Enumerable.Range(1, received.Count).Select(i => $"{streamId}.{i}"), received.Select(e => e.SequenceId));
        Assert.Equal("[DONE]", received[^1].Data);
        Assert.Equal(Tokens, received.Count(e => ChatChunks.ContentOf(e.Data) is { Length: > 0 }));
        // The origin generated once; the tokens were charged once.
        var audit = await mock.GetFromJsonAsync<JsonElement>("/mock/requests");
        Assert.Equal(1, audit.GetProperty("chat_completions").GetInt64());
        var settled = await recorder.WaitForCountAsync(1);
        Assert.Equal(Tokens, settled.CompletionTokens);
        Assert.Equal("completed", settled.Outcome);
        await Task.Delay(300);
        Assert.Single(recorder.Settled);

        var text = string.Concat(received.Select(e => ChatChunks.ContentOf(e.Data)));
        Assert.Equal(await WholeTextAsync(chain), text);
    }

    /// <summary>
    /// A resume takes the stream over: the reader it replaces ends, so one stream has one reader.
    /// Before, every resume added a reader, so a key allowed one stream received it on as many
    /// connections as it opened (the key's stream limit bounds origin work, not deliveries), and a
    /// reader that stopped reading held the replay buffer full and the origin waiting.
    /// </summary>
    [Fact]
    public async Task SeveralResumesAtOnce_TheLatestTakesTheStreamOver_EarlierReadersEnd()
    {
        await using var chain = await Chain.StartAsync();
        var key = await chain.CreateKeyAsync("""{"tenant":"default","limits":{"max_concurrent_streams":1}}""");
        using var client = NonDrainingClient(chain);

        using var first = await client.SendAsync(PacedChat(key, intervalMs: 60), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var streamId = first.Headers.GetValues(StreamId.Header).Single();
        var firstReading = SseClient.ReadAllAsync(first);

        var readers = new List<Task<List<SseEvent>>>();
        for (var i = 0; i < 5; i++)
        {
            using var resume = new HttpRequestMessage(HttpMethod.Get, $"/v1/streams/{streamId}");
            resume.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            resume.Headers.Add("Last-Event-ID", $"{streamId}.1");
            var response = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            readers.Add(SseClient.ReadAllAsync(response));
        }

        var all = new List<List<SseEvent>> { await firstReading };
        foreach (var reader in readers)
        {
            all.Add(await reader);
        }

        var completed = all.Select((events, index) => (events, index)).Where(r => r.events.Count > 0 && r.events[^1].Data == "[DONE]").Select(r => r.index).ToList();
        Assert.Equal([5], completed);
        Assert.Equal(Enumerable.Range(2, all[5].Count).Select(i => $"{streamId}.{i}"), all[5].Select(e => e.SequenceId));

        // The readers taken over end with an error event saying why, not in silence.
        Assert.All(all.Take(5), events => Assert.Contains("\"code\":\"stream_resumed_elsewhere\"", events[^1].Data, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resume_WithAnotherKeyOrUnknownId_IsTheSame404()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings { AuthQuota = { ["AuthQuota:ApiKeys"] = $"{Chain.ApiKey},sk-aicdn-other-key" } });
        using var client = chain.CreateEdgeClient();
        using var response = await client.SendAsync(PacedChat(Chain.ApiKey, intervalMs: 0), HttpCompletionOption.ResponseHeadersRead);
        var streamId = response.Headers.GetValues(StreamId.Header).Single();
        await SseClient.ReadAllAsync(response);

        var otherKey = await ResumeAsync(client, streamId, "sk-aicdn-other-key", $"{streamId}.1");
        var unknown = await ResumeAsync(client, "s_nowhere-0000_000000000000000000000000", Chain.ApiKey, null);

        Assert.Equal(HttpStatusCode.NotFound, otherKey.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("stream_not_found", otherKey.Code);
        Assert.Equal(otherKey.Body.Replace(streamId, "ID", StringComparison.Ordinal), unknown.Body.Replace("s_nowhere-0000_000000000000000000000000", "ID", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resume_AfterAnIdTheStreamNeverSent_Is400NotBufferFull()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings());
        using var client = chain.CreateEdgeClient();
        using var response = await client.SendAsync(PacedChat(Chain.ApiKey, intervalMs: 0), HttpCompletionOption.ResponseHeadersRead);
        var streamId = response.Headers.GetValues(StreamId.Header).Single();
        var events = await SseClient.ReadAllAsync(response);
        var last = events.Last(e => e.Id is not null).Id!;

        var beyond = await ResumeAsync(client, streamId, Chain.ApiKey, $"{streamId}.999999");
        var atTheEnd = await ResumeAsync(client, streamId, Chain.ApiKey, last);

        Assert.Equal(HttpStatusCode.BadRequest, beyond.Status);
        Assert.Equal("invalid_value", beyond.Code);
        Assert.Equal(HttpStatusCode.OK, atTheEnd.Status);
    }

    [Fact]
    public async Task NobodyComesBackWithinGrace_OriginIsCancelled_ResumeIs410_AndWhatWasProducedIsCharged()
    {
        var recorder = new SettlementRecorder();
        await using var origin = await TestOrigin.StartAsync(TestOriginBehavior.SlowStream, chunkInterval: TimeSpan.FromMilliseconds(50));
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = origin.Url, ["CoreRelay:Resumable:GracePeriod"] = "00:00:01" },
            CoreServices = recorder.AddTo,
        });
        using var client = NonDrainingClient(chain);

        var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 500), HttpCompletionOption.ResponseHeadersRead);
        var streamId = response.Headers.GetValues(StreamId.Header).Single();
        string? lastId = null;
        await foreach (var item in SseClient.ReadAsync(response))
        {
            lastId = item.Id;
            if (item.Data.Contains(" tok2", StringComparison.Ordinal))
            {
                break;
            }
        }

        response.Dispose();
        await Wait.UntilAsync(() => !origin.AbortedAtTimestamps.IsEmpty, TimeSpan.FromSeconds(15), "the origin is cancelled once the grace period is over");
        Assert.True(origin.ChunksWrittenBeforeAbort.TryPeek(out var produced));
        Assert.True(produced > 3, $"the origin was kept going after the client left (it wrote {produced} chunks)");

        var settled = await recorder.WaitForCountAsync(1);
        Assert.Equal("abandoned", settled.Outcome);
        Assert.InRange(settled.CompletionTokens, produced * TokensPerChunk - TokensPerChunk, produced * TokensPerChunk);

        var late = await ResumeAsync(client, streamId, Chain.ApiKey, lastId);
        Assert.Equal(HttpStatusCode.Gone, late.Status);
        Assert.Equal("stream_expired", late.Code);
    }

    [Fact]
    public async Task ResumeFromBeforeWhatTheBufferStillHolds_Is410()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings { Core = { ["CoreRelay:Resumable:MaxBytesPerStream"] = "4096" } });
        using var client = NonDrainingClient(chain);

        // 200 tokens of ~330 bytes each overflow a 4 KiB replay buffer many times over.
        using var request = Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 200);
        request.Headers.Add("x-mock-token-interval-ms", "0");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var streamId = response.Headers.GetValues(StreamId.Header).Single();
        var events = await SseClient.ReadAllAsync(response);
        Assert.Equal("[DONE]", events[^1].Data);

        var early = await ResumeAsync(client, streamId, Chain.ApiKey, $"{streamId}.1");
        var tail = await ResumeAsync(client, streamId, Chain.ApiKey, events[^3].Id);

        Assert.Equal(HttpStatusCode.Gone, early.Status);
        Assert.Equal("stream_buffer_exceeded", early.Code);
        Assert.Equal(HttpStatusCode.OK, tail.Status);
        var registry = chain.Core.Services.GetRequiredService<StreamRegistry>();
        Assert.True(registry.Budget.Used <= 4096 + 1024, $"the replay buffer holds {registry.Budget.Used} bytes");
    }

    private static int TokensPerChunk => AiCdn.Tokens.TokenCounter.Default.Count(" tok1");

    private static async Task<(HttpStatusCode Status, string? Code, string Body)> ResumeAsync(HttpClient client, string streamId, string key, string? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/streams/{streamId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        string? code = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            using var json = JsonDocument.Parse(body);
            code = json.RootElement.GetProperty("error").GetProperty("code").GetString();
        }

        return (response.StatusCode, code, body);
    }

    private static async Task<string> WholeTextAsync(Chain chain)
    {
        using var client = chain.CreateEdgeClient();
        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: Tokens));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }
}
