using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

public sealed class ChainSmokeTests
{
    [Fact]
    public async Task StreamedCompletion_ThroughInProcessChain_EndsWithDone()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"mock-gpt","stream":true,"max_tokens":4,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.ApiKey);

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4 + 3, events.Count);
        Assert.Equal("[DONE]", events[^1].Data);
    }
}
