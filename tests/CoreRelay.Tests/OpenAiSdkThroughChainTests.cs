using System.ClientModel;
using System.ClientModel.Primitives;
using AiCdn.Testing;
using OpenAI;
using OpenAI.Chat;

namespace AiCdn.CoreRelay.Tests;

/// <summary>
/// The official OpenAI .NET SDK talking to the edge as to any OpenAI-compatible API: the relay's
/// stream ids and event ids (resumable streams), the usage chunk it asks for on the client's behalf
/// and its error bodies are all invisible or native to the SDK.
/// </summary>
public sealed class OpenAiSdkThroughChainTests
{
    private static readonly ChatMessage[] s_prompt = [new UserChatMessage("Through the relay, please.")];

    private static ChatClient Chat(Chain chain, string key) => new OpenAIClient(
        new ApiKeyCredential(key),
        new OpenAIClientOptions
        {
            Endpoint = new Uri(chain.Edge.Address, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        }).GetChatClient("mock-gpt");

    [Fact]
    public async Task StreamingThroughTheChain_SdkReadsEveryTokenAndTheUsageItAskedFor()
    {
        await using var chain = await Chain.StartAsync();
        var chat = Chat(chain, Chain.ApiKey);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12 };

        var parts = new List<string>();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(s_prompt, options))
        {
            parts.AddRange(update.ContentUpdate.Select(p => p.Text).Where(t => t.Length > 0));
            usage = update.Usage ?? usage;
        }

        ChatCompletion whole = await chat.CompleteChatAsync(s_prompt, options);
        Assert.Equal(12, parts.Count);
        Assert.Equal(whole.Content[0].Text, string.Concat(parts));

        // The SDK asks for stream_options.include_usage itself, so the origin's usage chunk reaches it.
        Assert.NotNull(usage);
        Assert.Equal(12, usage.OutputTokenCount);
    }

    [Fact]
    public async Task WrongKey_SurfacesAsTheSdks401()
    {
        await using var chain = await Chain.StartAsync();
        var chat = Chat(chain, "sk-aicdn-not-a-key");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(s_prompt));

        Assert.Equal(401, error.Status);
        Assert.Contains("invalid_api_key", error.Message);
    }

    [Fact]
    public async Task RateLimited_SurfacesAsTheSdks429()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings { AuthQuota = { ["AuthQuota:DefaultLimits:RequestsPerMinute"] = "1" } });
        var chat = Chat(chain, Chain.ApiKey);
        await chat.CompleteChatAsync(s_prompt, new ChatCompletionOptions { MaxOutputTokenCount = 2 });

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(s_prompt, new ChatCompletionOptions { MaxOutputTokenCount = 2 }));

        Assert.Equal(429, error.Status);
        var response = error.GetRawResponse()!;
        Assert.True(response.Headers.TryGetValue("Retry-After", out _));
        Assert.True(response.Headers.TryGetValue("x-ratelimit-remaining-requests", out var remaining));
        Assert.Equal("0", remaining);
    }
}
