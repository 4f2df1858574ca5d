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
        var stream = SseCollector.Start(response);
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
        var stream = SseCollector.Start(response);

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
        var stream = SseCollector.Start(response);
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
    public async Task RealClock_StreamSpreadsOverTheConfiguredIntervals()
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 6), ("x-mock-ttft-ms", "150"), ("x-mock-token-interval-ms", "60")),
            HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        // ArrivedAfter counts from the response headers: had they waited for the first token, it
        // would follow them at once. Timers never fire early by more than the clock's granularity.
        var content = events.Skip(1).Take(6).ToList();
        Assert.True(content[0].ArrivedAfter >= TimeSpan.FromMilliseconds(130), $"the first token came {content[0].ArrivedAfter.TotalMilliseconds:0} ms after the headers");
        var spread = content[^1].ArrivedAfter - content[0].ArrivedAfter;
        Assert.True(spread >= TimeSpan.FromMilliseconds(280), $"6 tokens 60 ms apart spread over only {spread.TotalMilliseconds:0} ms");
    }
}
