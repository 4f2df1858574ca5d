using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AiCdn.Common.Security;
using AiCdn.Common.Streams;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>
/// A stream that names no completion limit reserves the default estimate, while the origin may
/// generate up to the model's maximum. It asks for more, a block at a time, as it runs past its
/// reservation, and ends with an error event before the first content token its key's token limits
/// cannot pay for (before, such a stream overran its key's daily limit by all it generated past
/// the estimate).
/// </summary>
public sealed class TokenBudgetTests
{
    private const int Block = 100;
    private const int Generated = 1000;

    [Fact]
    public async Task StreamWithoutCompletionLimit_KeyWithRoom_GetsEveryToken_AndIsChargedExactly()
    {
        await using var chain = await StartAsync();
        var (key, keyId) = await chain.CreateKeyWithIdAsync("""{"tenant":"default","models":["mock-gpt"],"limits":{"tokens_per_day":100000}}""");

        var (prompt, content, last) = await StreamAsync(chain, key);

        Assert.Equal(Generated, content);
        Assert.Equal("[DONE]", last.Data);
        await Wait.UntilAsync(async () => await chain.TokensTodayAsync(keyId) == prompt + Generated, TimeSpan.FromSeconds(15), "the stream settled for its prompt and every token");
    }

    [Fact]
    public async Task StreamWithoutCompletionLimit_DailyLimitReached_EndsWithQuotaExhausted_BeforeTheFirstTokenItCannotPayFor()
    {
        await using var chain = await StartAsync();
        var (probeKey, _) = await chain.CreateKeyWithIdAsync("""{"tenant":"default","models":["mock-gpt"]}""");
        var (prompt, _, _) = await StreamAsync(chain, probeKey, tokens: 1);

        // Room for the prompt and 250 completion tokens: the reservation (prompt + 100) grows by
        // 100 twice (prompt + 300 would not fit), so the client gets exactly 200 tokens.
        var (key, keyId) = await chain.CreateKeyWithIdAsync($$$"""{"tenant":"default","models":["mock-gpt"],"limits":{"tokens_per_day":{{{prompt + 250}}}}}""");
        var (_, content, last) = await StreamAsync(chain, key);

        Assert.Equal(2 * Block, content);
        using (var error = JsonDocument.Parse(last.Data))
        {
            var body = error.RootElement.GetProperty("error");
            Assert.Equal("quota_exhausted", body.GetProperty("code").GetString());
            Assert.Equal("rate_limit_error", body.GetProperty("type").GetString());
        }

        // Charged what the client received, within the limit; the stream's lease and request are settled.
        await Wait.UntilAsync(async () => await chain.TokensTodayAsync(keyId) == prompt + (2 * Block), TimeSpan.FromSeconds(15), "the cut stream settled for what it relayed");
        Assert.True(await chain.TokensTodayAsync(keyId) <= prompt + 250);
    }

    private static Task<Chain> StartAsync() => Chain.StartAsync(new ChainSettings
    {
        Core = { ["CoreRelay:DefaultCompletionTokenEstimate"] = Block.ToString(CultureInfo.InvariantCulture) },
    });

    /// <summary>A resumable stream with no completion limit; the mock generates <paramref name="tokens"/>.</summary>
    private static async Task<(int Prompt, int Content, SseEvent Last)> StreamAsync(Chain chain, string key, int tokens = Generated)
    {
        using var client = chain.Core.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"tell me everything"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("x-mock-tokens", tokens.ToString(CultureInfo.InvariantCulture));
        new ClusterSignature(Chain.ClusterSecret, TimeProvider.System).Sign(request);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var prompt = int.Parse(response.Headers.GetValues(StreamId.PromptTokensHeader).Single(), CultureInfo.InvariantCulture);
        var events = await SseClient.ReadAllAsync(response);
        return (prompt, events.Count(e => ChatChunks.ContentOf(e.Data) is { Length: > 0 }), events[^1]);
    }
}
