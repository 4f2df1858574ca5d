using System.Net;
using System.Net.Http.Json;
using AiCdn.Common.Security;
using AiCdn.LlmMock.Auditing;

namespace AiCdn.LlmMock.Tests;

/// <summary>The origin key check and the record of what reached the origin (/mock/requests).</summary>
public sealed class OriginGateTests
{
    private const string OriginKey = "sk-origin-key-0123456789";

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer sk-client-key")]
    [InlineData("Basic " + OriginKey)]
    [InlineData(OriginKey)]
    public async Task RequiredKey_MissingOrWrong_Is401InvalidApiKey(string? authorization)
    {
        await using var host = await MockServer.StartAsync(new Dictionary<string, string?> { ["Mock:RequiredApiKey"] = OriginKey });
        using var client = host.CreateClient();
        var headers = authorization is null ? [] : new[] { ("Authorization", authorization) };

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(), headers));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await Chat.ErrorAsync(response);
        Assert.Equal("invalid_api_key", error.Code);
    }

    [Fact]
    public async Task RequiredKey_ByEnvironmentAlias_GuardsEveryV1Route_NotHealthOrDiagnostics()
    {
        await using var host = await MockServer.StartAsync(new Dictionary<string, string?> { ["MOCK_API_KEY"] = OriginKey });
        using var client = host.CreateClient();

        using var models = await client.GetAsync("/v1/models");
        using var unknown = await client.GetAsync("/v1/nowhere");
        using var health = await client.GetAsync("/health");
        using var diagnostics = await client.GetAsync("/mock/requests");
        using var allowed = await client.SendAsync(Chat.Completion(Chat.Body(), ("Authorization", "Bearer " + OriginKey)));

        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, diagnostics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task RequestLog_RecordsKeyDigestsOnly_CountsRoutes_RejectedToo()
    {
        await using var host = await MockServer.StartAsync(new Dictionary<string, string?> { ["Mock:RequiredApiKey"] = OriginKey });
        using var client = host.CreateClient();

        using (await client.SendAsync(Chat.Completion(Chat.Body(), ("Authorization", "Bearer " + OriginKey), ("x-request-id", "req-1"))))
        using (await client.SendAsync(Chat.Completion(Chat.Body(), ("Authorization", "Bearer sk-client-key"))))
        using (await client.SendAsync(Chat.Post("/v1/embeddings", """{"model":"mock-embedding","input":"x"}""", ("Authorization", "Bearer " + OriginKey))))
        using (await client.GetAsync("/v1/models"))
        using (await client.GetAsync("/health"))
        {
        }

        var log = await client.GetFromJsonAsync<RequestLogSnapshot>("/mock/requests");
        var raw = await client.GetStringAsync("/mock/requests");

        Assert.NotNull(log);
        Assert.Equal(4, log.Total);
        Assert.Equal(2, log.ChatCompletions);
        Assert.Equal(1, log.Embeddings);
        Assert.Equal(1, log.Models);
        Assert.Equal(
            [ApiKeyHash.Compute(OriginKey), ApiKeyHash.Compute("sk-client-key"), ApiKeyHash.Compute(OriginKey), null],
            log.Recent.Select(r => r.KeySha256));
        Assert.Equal("req-1", log.Recent[0].RequestId);
        Assert.Equal("/v1/chat/completions", log.Recent[0].Path);
        Assert.Equal([1L, 2, 3, 4], log.Recent.Select(r => r.Sequence));
        Assert.DoesNotContain("sk-client-key", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(OriginKey, raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestLog_KeepsOnlyTheLastCapacity_CountsEverything_ResetsOnDelete()
    {
        await using var host = await MockServer.StartAsync(new Dictionary<string, string?> { ["Mock:RequestLogCapacity"] = "5" });
        using var client = host.CreateClient();
        for (var i = 0; i < 8; i++)
        {
            using var response = await client.GetAsync("/v1/models");
        }

        var full = await client.GetFromJsonAsync<RequestLogSnapshot>("/mock/requests");
        using var reset = await client.DeleteAsync("/mock/requests");
        using (await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 1))))
        {
        }

        var afterReset = await client.GetFromJsonAsync<RequestLogSnapshot>("/mock/requests");

        Assert.Equal(8, full!.Total);
        Assert.Equal([4L, 5, 6, 7, 8], full.Recent.Select(r => r.Sequence));
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(1, afterReset!.Total);
        Assert.Equal(1, afterReset.ChatCompletions);
        Assert.Equal([9L], afterReset.Recent.Select(r => r.Sequence));
    }
}
