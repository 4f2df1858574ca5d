using System.Diagnostics;
using System.Net;
using AiCdn.Testing;

namespace AiCdn.LlmMock.Tests;

/// <summary>
/// Every timing control, on a fake clock: the test moves time and watches what the mock sends.
/// Nothing here waits for a stretch of real time to pass, except to show that nothing arrives
/// while the clock stands still.
/// </summary>
public sealed class TimingTests
{
    private static readonly TimeSpan s_second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task TtftHeader_HeadersAtOnce_FirstTokenOnlyWhenClockReachesIt()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        using var response = await client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 3), ("x-mock-ttft-ms", "5000")),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = SseClient.Start(response);
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(5000));

        time.Advance(TimeSpan.FromMilliseconds(4999));
        await stream.AssertNoMoreThanAsync(0, "1 ms before the first token is due");
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Null(await stream.WaitForEndAsync());
        Assert.Equal(6, stream.Count);
    }

    [Fact]
    public async Task TokenIntervalHeader_OneContentChunkPerTick()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        using var response = await client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 4), ("x-mock-token-interval-ms", "1000")),
            HttpCompletionOption.ResponseHeadersRead);
        var stream = SseClient.Start(response);

        // No time to first token: the role chunk and the first token come at once.
        await stream.WaitForCountAsync(2, "role chunk and first token");
        for (var sent = 2; sent < 5; sent++)
        {
            await stream.AssertNoMoreThanAsync(sent, "before the next tick");
            time.Advance(s_second);
            await stream.WaitForCountAsync(sent + 1, $"token {sent} after one tick");
        }

        // The last token brings its finish chunk and [DONE] with it.
        Assert.Null(await stream.WaitForEndAsync());
        Assert.Equal(7, stream.Count);
        Assert.Equal("[DONE]", stream.Events[^1].Data);
    }

    [Fact]
    public async Task ConfiguredDefaults_PaceWithoutHeaders()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(
            new Dictionary<string, string?> { ["Mock:TimeToFirstTokenMs"] = "300", ["Mock:TokenIntervalMs"] = "40" },
            time);
        using var client = host.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(stream: true, maxTokens: 3)), HttpCompletionOption.ResponseHeadersRead);
        var stream = SseClient.Start(response);
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(300));
        await stream.AssertNoMoreThanAsync(0, "before the configured time to first token");
        time.Advance(TimeSpan.FromMilliseconds(300));
        await stream.WaitForCountAsync(2, "role chunk and first token");
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(40));
        time.Advance(TimeSpan.FromMilliseconds(40));
        await stream.WaitForCountAsync(3, "second token after the configured interval");
        time.Advance(TimeSpan.FromMilliseconds(40));

        Assert.Null(await stream.WaitForEndAsync());
        Assert.Equal(3, Chat.ContentChunks(stream.Events).Count);
    }

    [Theory]
    [InlineData(null, 5, "stop")]
    [InlineData(3, 3, "length")]
    [InlineData(8, 5, "stop")]
    public async Task TokensHeader_SetsNaturalLength_ALowerLimitStillCuts(int? maxTokens, int expected, string finish)
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: maxTokens), ("x-mock-tokens", "5")));

        var json = await Chat.JsonAsync(response);
        Assert.Equal(expected, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(finish, json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Whole_ArrivesWhenTheWholeCompletionWouldBeGenerated()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        // 1000 ms to the first token, then 4 more tokens 100 ms apart: 1400 ms.
        var answer = client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 5), ("x-mock-ttft-ms", "1000"), ("x-mock-token-interval-ms", "100")));
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(1400));
        time.Advance(TimeSpan.FromMilliseconds(1399));
        await Task.Delay(200);
        Assert.False(answer.IsCompleted, "the answer came before the whole completion was generated");
        time.Advance(TimeSpan.FromMilliseconds(1));

        using var response = await answer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Embeddings_WaitTheTimeToFirstToken()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        var answer = client.SendAsync(Chat.Post("/v1/embeddings", """{"model":"mock-embedding","input":"x"}""", ("x-mock-ttft-ms", "700")));
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(700));
        Assert.False(answer.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(700));

        using var response = await answer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RealClock_TokensArriveNoEarlierThanTheirPacing()
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();
        var clock = Stopwatch.StartNew();

        using var response = await client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 6), ("x-mock-ttft-ms", "150"), ("x-mock-token-interval-ms", "60")),
            HttpCompletionOption.ResponseHeadersRead);
        var arrivals = new List<TimeSpan>();
        await foreach (var item in SseClient.ReadAsync(response))
        {
            arrivals.Add(clock.Elapsed);
        }

        // Lower bounds only, from the moment the request was sent: a slow machine can delay a
        // reading but never make a token come before the mock sends it. Timers may fire up to the
        // clock's granularity early; allow 20 ms of it.
        Assert.Equal(9, arrivals.Count);
        var first = arrivals[1];
        var last = arrivals[6];
        Assert.True(first >= TimeSpan.FromMilliseconds(130), $"the first token came {first.TotalMilliseconds:0} ms after the request, before its 150 ms time to first token");
        Assert.True(last >= TimeSpan.FromMilliseconds(430), $"the sixth token came {last.TotalMilliseconds:0} ms after the request, before 150 + 5 x 60 ms");
    }
}
