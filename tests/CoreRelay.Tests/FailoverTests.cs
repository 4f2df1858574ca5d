using System.Net;
using System.Text.Json;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>Another origin is tried only while nothing has reached the client; after that, failure is visible.</summary>
public sealed class FailoverTests
{
    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(429)]
    public async Task OriginFailsBeforeFirstByte_AnotherOriginServesEveryRequest(int status)
    {
        await using var failing = await TestOrigin.StartAsync(TestOriginBehavior.FailWithStatus, status, retryAfter: status == 429 ? TimeSpan.FromSeconds(60) : null);
        var recorder = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = $"{failing.Url},{{MOCK}}" },
            CoreServices = recorder.AddTo,
        }.WithMockOrigin());
        using var client = chain.CreateEdgeClient();

        // The load balancer picks at random: at least 8 requests, and more (bounded) until the failing
        // origin has been picked once, so the test never passes without exercising the failover.
        var sent = 0;
        while (sent < 8 || (failing.Hits == 0 && sent < 64))
        {
            using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 3), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var events = await SseClient.ReadAllAsync(response);
            Assert.Equal("[DONE]", events[^1].Data);
            sent++;
        }

        Assert.True(failing.Hits >= 1, $"the load balancer never picked the failing origin in {sent} requests; the test proves nothing");
        if (status == 429)
        {
            // Its Retry-After rests it: it is asked once, not again within the minute.
            Assert.Equal(1, failing.Hits);
        }

        var settled = await recorder.WaitForCountAsync(sent);
        Assert.All(recorder.Settled, s => Assert.Equal(3, s.CompletionTokens));
    }

    [Fact]
    public async Task OriginRefusesConnections_AnotherOriginServesEveryRequest()
    {
        var closedPort = FreePort.Next();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = $"http://127.0.0.1:{closedPort},{{MOCK}}" },
        }.WithMockOrigin());
        using var client = chain.CreateEdgeClient();

        for (var i = 0; i < 6; i++)
        {
            using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task OnlyOriginUnreachable_Is502WithOpenAiErrorAndNothingCharged()
    {
        var recorder = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = $"http://127.0.0.1:{FreePort.Next()}" },
            CoreServices = recorder.AddTo,
        });
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 2));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("upstream_unavailable", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        var settled = await recorder.WaitForCountAsync(1);
        Assert.False(settled.Forwarded);
        Assert.Equal(0, settled.PromptTokens + settled.CompletionTokens);
    }

    [Fact]
    public async Task OriginAbortsMidStream_ClientGetsErrorEventAndNoDone_AndRelayedTokensAreCharged()
    {
        await using var origin = await TestOrigin.StartAsync(TestOriginBehavior.AbortMidStream, chunksBeforeAbort: 4, chunkInterval: TimeSpan.FromMilliseconds(10));
        var recorder = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = origin.Url },
            CoreServices = recorder.AddTo,
        });
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 50), HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        using var last = JsonDocument.Parse(events[^1].Data);
        Assert.Equal("upstream_aborted", last.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(4, events.Count(e => e.Data.Contains(" tok", StringComparison.Ordinal)));

        var settled = await recorder.WaitForCountAsync(1);
        Assert.True(settled.Forwarded);
        Assert.Equal("upstream_aborted", settled.Outcome);
        Assert.Equal(4 * AiCdn.Tokens.TokenCounter.Default.Count(" tok1"), settled.CompletionTokens);
    }
}

internal static class ChainSettingsExtensions
{
    /// <summary>Replaces <c>{MOCK}</c> in the core's origins with the chain's own llm-mock once it is running.</summary>
    public static ChainSettings WithMockOrigin(this ChainSettings settings)
    {
        settings.Core["CoreRelay:Origins"] = settings.Core["CoreRelay:Origins"]!.Replace("{MOCK}", Chain.MockPlaceholder, StringComparison.Ordinal);
        return settings;
    }
}
