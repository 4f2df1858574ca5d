using System.Net;
using System.Text.Json;
using AiCdn.LlmMock.Streaming;
using AiCdn.Testing;

namespace AiCdn.LlmMock.Tests;

/// <summary>Every fault mode, asked for by header and by configured rate, as a client sees it.</summary>
public sealed class FaultTests
{
    private static readonly TimeSpan s_second = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData("status=429;retry-after=7", 429, "7", "rate_limit_exceeded", "rate_limit_error")]
    [InlineData("status=429", 429, "1", "rate_limit_exceeded", "rate_limit_error")]
    [InlineData("status=500", 500, null, null, "server_error")]
    [InlineData("status=503", 503, "1", "overloaded", "server_error")]
    [InlineData("status=503;retry-after=0", 503, null, "overloaded", "server_error")]
    [InlineData("status=502", 502, null, null, "server_error")]
    public async Task Status_AnswersOpenAiErrorBeforeAnyStream(string fault, int status, string? retryAfter, string? code, string type)
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(stream: true), ("x-mock-fault", fault)));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(retryAfter, response.Headers.RetryAfter?.ToString());
        var error = await Chat.ErrorAsync(response);
        Assert.Equal(code, error.Code);
        Assert.Equal(type, error.Type);
    }

    [Fact]
    public async Task AbortAfter_ResetsWhenTheNextTokenIsDue()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        using var response = await client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 10), ("x-mock-token-interval-ms", "1000"), ("x-mock-fault", "abort-after=3")),
            HttpCompletionOption.ResponseHeadersRead);
        var stream = SseClient.Start(response);
        await stream.WaitForCountAsync(2, "role chunk and token 1");
        time.Advance(s_second);
        await stream.WaitForCountAsync(3, "token 2");
        time.Advance(s_second);
        await stream.WaitForCountAsync(4, "token 3");
        await stream.AssertNoMoreThanAsync(4, "until the fourth token is due");
        Assert.False(stream.Completion.IsCompleted, "the connection broke before the fourth token was due");
        time.Advance(s_second);

        var failure = await stream.WaitForEndAsync();
        Assert.NotNull(failure);
        Assert.Equal(3, Chat.ContentChunks(stream.Events).Count);
        Assert.DoesNotContain(stream.Events, e => e.Data == "[DONE]");
    }

    [Fact]
    public async Task AbortAfter_Unpaced_ResetsAfterTheGrace()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        using var response = await client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 10), ("x-mock-fault", "abort-after=2")),
            HttpCompletionOption.ResponseHeadersRead);
        var stream = SseClient.Start(response);
        await stream.WaitForCountAsync(3, "role chunk and 2 tokens");
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(50));
        time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.NotNull(await stream.WaitForEndAsync());
        Assert.Equal(2, Chat.ContentChunks(stream.Events).Count);
    }

    [Fact]
    public async Task AbortBeforeHeaders_DropsTheConnectionWithoutAResponse()
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();

        await Assert.ThrowsAsync<HttpRequestException>(
            () => client.SendAsync(Chat.Completion(Chat.Body(stream: true), ("x-mock-fault", "abort-before-headers"))));
    }

    [Fact]
    public async Task AbortAfter_NonStreamed_DropsInsteadOfAnswering()
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();

        await Assert.ThrowsAsync<HttpRequestException>(
            () => client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 5), ("x-mock-fault", "abort-after=1"))));
    }

    [Fact]
    public async Task Stall_PausesAfterKChunks_ThenFinishesTheStream()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        using var response = await client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 5, includeUsage: true), ("x-mock-fault", "stall-after=2;stall-ms=5000")),
            HttpCompletionOption.ResponseHeadersRead);
        var stream = SseClient.Start(response);
        await stream.WaitForCountAsync(3, "role chunk and 2 tokens");
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(5000));
        time.Advance(TimeSpan.FromMilliseconds(4999));
        await stream.AssertNoMoreThanAsync(3, "during the stall");
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Null(await stream.WaitForEndAsync());
        Assert.Equal(5, Chat.ContentChunks(stream.Events).Count);
        Assert.Equal(9, stream.Count);
    }

    [Fact]
    public async Task Stall_NonStreamed_DelaysTheAnswer()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        var answer = client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 3), ("x-mock-fault", "stall-ms=2500")));
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(2500));
        Assert.False(answer.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(2500));

        using var response = await answer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Malformed_SendsOneBrokenChunk_ThenTheRest()
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 5), ("x-mock-fault", "malformed-after=2")),
            HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        // role, 2 tokens, the broken one, 3 tokens, finish, [DONE]
        Assert.Equal(9, events.Count);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(events[3].Data));
        var rest = events.Where((_, i) => i != 3).SkipLast(1).Select(e => Chat.Parse(e.Data)).ToList();
        Assert.Equal(5, rest.Count(c => Chat.ContentOf(c) is { Length: > 0 }));
        Assert.Equal("[DONE]", events[^1].Data);
    }

    [Fact]
    public async Task Malformed_NonStreamed_SendsTruncatedJson()
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 5), ("x-mock-fault", "malformed-after=0")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("{\"id\":\"chatcmpl-", body, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task SlowFirstByte_HoldsTheHeadersBack()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        var headers = client.SendAsync(
            Chat.Completion(Chat.Body(stream: true, maxTokens: 2), ("x-mock-fault", "slow-first-byte-ms=3000")),
            HttpCompletionOption.ResponseHeadersRead);
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(3000));
        time.Advance(TimeSpan.FromMilliseconds(2999));
        await Task.Delay(200);
        Assert.False(headers.IsCompleted, "the response headers came before the slow first byte was due");
        time.Advance(TimeSpan.FromMilliseconds(1));

        using var response = await headers.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, (await SseClient.ReadAllAsync(response)).Count);
    }

    [Fact]
    public async Task SlowFirstByte_ThenStatus_ErrorArrivesLate()
    {
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(time: time);
        using var client = host.CreateClient();

        var answer = client.SendAsync(Chat.Completion(Chat.Body(), ("x-mock-fault", "slow-first-byte-ms=1000;status=503")));
        await time.WaitForTimerAsync(s_second);
        Assert.False(answer.IsCompleted);
        time.Advance(s_second);

        using var response = await answer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task ConfiguredRate_One_FaultsEveryRequest_NoneHeaderOptsOut()
    {
        await using var host = await MockServer.StartAsync(new Dictionary<string, string?> { ["Mock:Faults:Status503Rate"] = "1" });
        using var client = host.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var faulted = await client.SendAsync(Chat.Completion(Chat.Body()));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.StatusCode);
        }

        using var spared = await client.SendAsync(Chat.Completion(Chat.Body(), ("x-mock-fault", "none")));
        Assert.Equal(HttpStatusCode.OK, spared.StatusCode);
    }

    [Fact]
    public async Task ConfiguredRates_SameSeed_SameSequenceOfFaults()
    {
        var settings = new Dictionary<string, string?> { ["Mock:Faults:Status500Rate"] = "0.5", ["Mock:Faults:Seed"] = "1234" };

        var first = await StatusesAsync(settings, 24);
        var second = await StatusesAsync(settings, 24);

        Assert.Equal(first, second);
        Assert.Contains(200, first);
        Assert.Contains(500, first);

        static async Task<List<int>> StatusesAsync(Dictionary<string, string?> settings, int count)
        {
            await using var host = await MockServer.StartAsync(settings);
            using var client = host.CreateClient();
            var statuses = new List<int>();
            for (var i = 0; i < count; i++)
            {
                using var response = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 1)));
                statuses.Add((int)response.StatusCode);
            }

            return statuses;
        }
    }

    [Fact]
    public async Task ConfiguredAbortRate_UsesTheConfiguredChunkCount()
    {
        // On the fake clock: the reset comes only once the client has read what was sent before it
        // (a reset drops what the client's kernel holds unread, so a busy machine would lose chunks).
        var time = new ObservedTimeProvider();
        await using var host = await MockServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["Mock:Faults:AbortRate"] = "1",
                ["Mock:Faults:AbortAfterChunks"] = "4",
            },
            time);
        using var client = host.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(stream: true, maxTokens: 10)), HttpCompletionOption.ResponseHeadersRead);
        var stream = SseClient.Start(response);
        await stream.WaitForCountAsync(5, "role chunk and 4 tokens");
        await time.WaitForTimerAsync(TokenStreamer.AbortGrace);
        time.Advance(TokenStreamer.AbortGrace);

        Assert.NotNull(await stream.WaitForEndAsync());
        Assert.Equal(4, Chat.ContentChunks(stream.Events).Count);
    }

    [Fact]
    public async Task Embeddings_StatusFault_IsOpenAiError()
    {
        await using var host = await MockServer.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.SendAsync(Chat.Post("/v1/embeddings", """{"model":"mock-embedding","input":"x"}""", ("x-mock-fault", "status=429;retry-after=3")));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("3", response.Headers.RetryAfter?.ToString());
    }
}
