using System.Net;
using System.Text.Json;
using AiCdn.Testing;
using AiCdn.Tokens;

namespace AiCdn.CoreRelay.Tests;

/// <summary>The core charges exactly what the origin produced, and the client sees only what it asked for.</summary>
public sealed class AccountingTests
{
    [Fact]
    public async Task Settle_ManyRandomRequests_EqualsOriginUsage()
    {
        var recorder = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = recorder.AddTo });
        using var client = chain.CreateEdgeClient();
        var random = new Random(20261127);
        string[] words = ["relay", "token", "stream", "edge", "core", "quota", "über", "数据", "🙂", "origin"];

        for (var i = 0; i < 40; i++)
        {
            var stream = random.Next(2) == 0;
            // OpenAI (and the mock) refuse stream_options on a request that does not stream.
            bool? includeUsage = !stream ? null : random.Next(3) switch { 0 => null, 1 => false, _ => true };
            var maxTokens = random.Next(1, 40);
            var content = string.Join(' ', Enumerable.Range(0, random.Next(1, 30)).Select(_ => words[random.Next(words.Length)]));

            using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream, maxTokens, includeUsage, content), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            var expectedPrompt = TokenCounter.Default.CountChatPrompt([new ChatPromptMessage("user", content)]);
            if (stream)
            {
                var events = await SseClient.ReadAllAsync(response);
                Assert.Equal("[DONE]", events[^1].Data);
                var usageChunks = events.Count(e => Requests.IsUsageOnlyChunk(e.Data));
                Assert.Equal(includeUsage == true ? 1 : 0, usageChunks);
            }
            else
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var usage = json.RootElement.GetProperty("usage");
                Assert.Equal(expectedPrompt, usage.GetProperty("prompt_tokens").GetInt32());
            }

            var settled = await recorder.WaitForCountAsync(i + 1);
            Assert.True(settled.Forwarded);
            Assert.Equal("completed", settled.Outcome);
            Assert.Equal(expectedPrompt, settled.PromptTokens);
            Assert.Equal(maxTokens, settled.CompletionTokens);
        }
    }

    [Fact]
    public async Task ClientDisconnect_MidStream_CancelsOriginPromptlyAndSettlesWhatWasRelayed()
    {
        var recorder = new SettlementRecorder();
        await using var origin = await TestOrigin.StartAsync(TestOriginBehavior.SlowStream, chunkInterval: TimeSpan.FromMilliseconds(100));
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = origin.Url },
            CoreServices = recorder.AddTo,
        });
        // A client that walks away closes its connection; it does not drain the rest of the stream
        // (HttpClient's default is to drain for up to 2 s to reuse the connection).
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = chain.Edge.Address };

        // Plain relaying: a resumable stream would (rightly) keep the origin going for its grace period.
        var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 500, resumable: false), HttpCompletionOption.ResponseHeadersRead);
        var received = 0;
        await foreach (var item in SseClient.ReadAsync(response))
        {
            if (item.Data.Contains("tok", StringComparison.Ordinal) && ++received == 3)
            {
                break;
            }
        }

        var disconnectedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        response.Dispose();

        await Wait.UntilAsync(() => !origin.AbortedAtTimestamps.IsEmpty, TimeSpan.FromSeconds(10), "the origin's request is cancelled after the client left");
        Assert.True(origin.AbortedAtTimestamps.TryPeek(out var abortedAt));
        var delay = System.Diagnostics.Stopwatch.GetElapsedTime(disconnectedAt, abortedAt);
        Assert.True(delay < TimeSpan.FromSeconds(1), $"the origin was cancelled {delay.TotalMilliseconds:0} ms after the client left");

        var settled = await recorder.WaitForCountAsync(1);
        Assert.True(settled.Forwarded);
        Assert.Equal("client_disconnected", settled.Outcome);
        Assert.True(origin.ChunksWrittenBeforeAbort.TryPeek(out var written));

        // Every chunk relayed to the client was charged, and nothing the origin did not write.
        Assert.InRange(settled.CompletionTokens, 3 * TokensPerChunk, written * TokensPerChunk);
        Assert.True(settled.PromptTokens > 0);
    }

    [Theory]
    [InlineData(400, true)]
    [InlineData(404, true)]
    [InlineData(429, false)]
    [InlineData(503, false)]
    public async Task OriginAnswersWithAnError_ClientsFaultCountsTheRequest_OriginsFaultIsRefunded(int status, bool requestCounted)
    {
        var recorder = new SettlementRecorder();
        await using var origin = await TestOrigin.StartAsync(TestOriginBehavior.FailWithStatus, status);
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = origin.Url },
            CoreServices = recorder.AddTo,
        });
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 50));

        Assert.Equal(status, (int)response.StatusCode);
        var settled = await recorder.WaitForCountAsync(1);

        // A refused request (bad body, unknown model) still took the origin's time, so it counts
        // against requests per minute; an origin that failed or was itself limited is not the
        // client's doing. Neither charges tokens.
        Assert.Equal(requestCounted, settled.Forwarded);
        Assert.Equal(0, settled.PromptTokens + settled.CompletionTokens);
        Assert.Equal(requestCounted ? "origin_rejected" : "origin_error", settled.Outcome);
    }

    [Fact]
    public async Task ClientLeavesBeforeTheOriginAnswers_RequestAndPromptCharged_OriginCancelled()
    {
        var recorder = new SettlementRecorder();
        await using var origin = await TestOrigin.StartAsync(TestOriginBehavior.HoldHeaders);
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = origin.Url },
            CoreServices = recorder.AddTo,
        });
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = chain.Edge.Address };
        using var leave = new CancellationTokenSource();

        var sending = client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 50), HttpCompletionOption.ResponseHeadersRead, leave.Token);
        await Wait.UntilAsync(() => origin.Hits == 1, TimeSpan.FromSeconds(10), "the origin has the request");
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);

        await Wait.UntilAsync(() => !origin.AbortedAtTimestamps.IsEmpty, TimeSpan.FromSeconds(10), "the origin's request is cancelled after the client left");
        var settled = await recorder.WaitForCountAsync(1);

        // The origin had the whole request and was working on it when the client left: as for a
        // client leaving mid-stream, the request and the prompt count (nothing was relayed).
        Assert.True(settled.Forwarded);
        Assert.Equal("client_disconnected", settled.Outcome);
        Assert.True(settled.PromptTokens > 0);
        Assert.Equal(0, settled.CompletionTokens);
    }

    /// <summary>The test origin's content " tokN" is two o200k tokens (" tok" and the digits) for N below 10.</summary>
    private static int TokensPerChunk => TokenCounter.Default.Count(" tok1");
}
