using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using AiCdn.Tokens;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Responses;

namespace AiCdn.LlmMock.Tests;

/// <summary>
/// The proof of compatibility: the official OpenAI .NET SDK (2.15.0), configured as for any
/// OpenAI-compatible server, reads everything the mock sends as it would read OpenAI's answers.
/// </summary>
public sealed class OpenAiSdkTests(MockFixture fixture) : IClassFixture<MockFixture>
{
    private static readonly ChatMessage[] s_hello = [new UserChatMessage("Hello, mock.")];

    private static int HelloPromptTokens => TokenCounter.Default.CountChatPrompt([new ChatPromptMessage("user", "Hello, mock.")]);

    [Fact]
    public async Task CompleteChat_NonStreamed_SdkReadsTextFinishReasonAndUsage()
    {
        var chat = Sdk.Client(fixture.Host).GetChatClient("mock-gpt");

        ChatCompletion completion = await chat.CompleteChatAsync(s_hello, new ChatCompletionOptions { MaxOutputTokenCount = 7 });

        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.Equal("mock-gpt", completion.Model);
        Assert.Equal("fp_aicdn_mock", completion.SystemFingerprint);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.False(string.IsNullOrEmpty(completion.Content[0].Text));
        Assert.Equal(7, completion.Usage.OutputTokenCount);
        Assert.Equal(HelloPromptTokens, completion.Usage.InputTokenCount);
        Assert.Equal(HelloPromptTokens + 7, completion.Usage.TotalTokenCount);
        Assert.Equal(0, completion.Usage.InputTokenDetails.CachedTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_SdkSeesOneTokenPerUpdateThenUsage()
    {
        var chat = Sdk.Client(fixture.Host).GetChatClient("mock-gpt");
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 9 };

        var parts = new List<string>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        string? id = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(s_hello, options))
        {
            id ??= update.CompletionId;
            Assert.Equal(id, update.CompletionId);
            parts.AddRange(update.ContentUpdate.Select(p => p.Text).Where(t => t.Length > 0));
            finish = update.FinishReason ?? finish;
            usage = update.Usage ?? usage;
        }

        ChatCompletion whole = await chat.CompleteChatAsync(s_hello, options);
        Assert.Equal(9, parts.Count);
        Assert.Equal(whole.Content[0].Text, string.Concat(parts));
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(9, usage.OutputTokenCount);
        Assert.Equal(HelloPromptTokens, usage.InputTokenCount);
    }

    [Fact]
    public async Task CompleteChat_StopSequence_SdkSeesTextCutAndStopFinish()
    {
        var chat = Sdk.Client(fixture.Host).GetChatClient("mock-gpt");
        ChatCompletion full = await chat.CompleteChatAsync(s_hello, new ChatCompletionOptions { MaxOutputTokenCount = 40 });
        var text = full.Content[0].Text;
        var stop = text.Substring(text.Length / 2, 3);

        var options = new ChatCompletionOptions { MaxOutputTokenCount = 40 };
        options.StopSequences.Add(stop);
        ChatCompletion cut = await chat.CompleteChatAsync(s_hello, options);

        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], cut.Content[0].Text);
    }

    [Fact]
    public async Task CreateResponseStreaming_SdkSeesEventsInOrderAndCompletedWithUsage()
    {
        var responses = Sdk.Client(fixture.Host, headers: ("x-mock-tokens", "12")).GetResponsesClient();
        var options = new CreateResponseOptions("mock-gpt", [ResponseItem.CreateUserMessageItem("Hello, mock.")])
        {
            Instructions = "Answer briefly.",
            StreamingEnabled = true,
        };

        var kinds = new List<Type>();
        var deltas = new List<string>();
        ResponseResult? completed = null;
        var sequence = -1;
        await foreach (var update in await responses.CreateResponseStreamingAsync(options))
        {
            Assert.Equal(sequence + 1, update.SequenceNumber);
            sequence = update.SequenceNumber;
            kinds.Add(update.GetType());
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                deltas.Add(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.Equal(typeof(StreamingResponseCreatedUpdate), kinds[0]);
        Assert.Equal(typeof(StreamingResponseInProgressUpdate), kinds[1]);
        Assert.Equal(typeof(StreamingResponseOutputItemAddedUpdate), kinds[2]);
        Assert.Equal(typeof(StreamingResponseContentPartAddedUpdate), kinds[3]);
        Assert.Equal(typeof(StreamingResponseOutputTextDoneUpdate), kinds[^4]);
        Assert.Equal(typeof(StreamingResponseContentPartDoneUpdate), kinds[^3]);
        Assert.Equal(typeof(StreamingResponseOutputItemDoneUpdate), kinds[^2]);
        Assert.Equal(typeof(StreamingResponseCompletedUpdate), kinds[^1]);
        Assert.Equal(12, deltas.Count);
        Assert.NotNull(completed);
        Assert.Equal(ResponseStatus.Completed, completed.Status);
        Assert.Equal(string.Concat(deltas), completed.GetOutputText());
        Assert.Equal(12, completed.Usage.OutputTokenCount);
        Assert.Equal(
            TokenCounter.Default.CountChatPrompt([new ChatPromptMessage("system", "Answer briefly."), new ChatPromptMessage("user", "Hello, mock.")]),
            completed.Usage.InputTokenCount);
        Assert.Equal(completed.Usage.InputTokenCount + 12, completed.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task CreateResponseStreaming_MaxOutputTokens_SdkSeesIncomplete()
    {
        var responses = Sdk.Client(fixture.Host).GetResponsesClient();
        var options = new CreateResponseOptions("mock-gpt", [ResponseItem.CreateUserMessageItem("Hello, mock.")]) { MaxOutputTokenCount = 16, StreamingEnabled = true };

        ResponseResult? incomplete = null;
        var deltas = 0;
        await foreach (var update in await responses.CreateResponseStreamingAsync(options))
        {
            deltas += update is StreamingResponseOutputTextDeltaUpdate ? 1 : 0;
            incomplete = (update as StreamingResponseIncompleteUpdate)?.Response ?? incomplete;
        }

        Assert.NotNull(incomplete);
        Assert.Equal(ResponseStatus.Incomplete, incomplete.Status);
        Assert.Equal(16, deltas);
        Assert.Equal(16, incomplete.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task CreateResponse_NonStreamed_SameTextAsStreamed()
    {
        var responses = Sdk.Client(fixture.Host, headers: ("x-mock-tokens", "10")).GetResponsesClient();
        ResponseResult whole = await responses.CreateResponseAsync("mock-gpt", "Same text?");

        var streamed = new List<string>();
        await foreach (var update in await responses.CreateResponseStreamingAsync("mock-gpt", "Same text?"))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                streamed.Add(delta.Delta);
            }
        }

        Assert.Equal(ResponseStatus.Completed, whole.Status);
        Assert.StartsWith("resp_", whole.Id);
        Assert.Equal(string.Concat(streamed), whole.GetOutputText());
        Assert.Equal(10, whole.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task GenerateEmbedding_Base64ByDefault_SdkDecodesTheSameUnitVector()
    {
        var embeddings = Sdk.Client(fixture.Host).GetEmbeddingClient("mock-embedding");

        OpenAIEmbedding embedding = await embeddings.GenerateEmbeddingAsync("The quick brown fox");
        var vector = embedding.ToFloats().ToArray();

        // The same input asked for as floats, without the SDK: the SDK's base64 decoding must agree.
        using var client = fixture.CreateClient();
        using var response = await client.PostAsJsonAsync("/v1/embeddings", new { model = "mock-embedding", input = "The quick brown fox", encoding_format = "float" });
        var floats = (await Chat.JsonAsync(response)).GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        Assert.Equal(1536, vector.Length);
        Assert.Equal(floats, vector);
        Assert.InRange(Math.Sqrt(vector.Sum(v => (double)v * v)), 0.999, 1.001);
    }

    [Fact]
    public async Task GenerateEmbeddings_BatchWithDimensions_SdkReadsEachAndUsage()
    {
        var embeddings = Sdk.Client(fixture.Host).GetEmbeddingClient("mock-embedding");
        string[] inputs = ["alpha", "beta gamma", "delta epsilon zeta"];

        OpenAIEmbeddingCollection result = await embeddings.GenerateEmbeddingsAsync(inputs, new EmbeddingGenerationOptions { Dimensions = 64 });

        Assert.Equal([0, 1, 2], result.Select(e => e.Index));
        Assert.All(result, e => Assert.Equal(64, e.ToFloats().Length));
        Assert.Equal(inputs.Sum(input => TokenCounter.Default.Count(input)), result.Usage.InputTokenCount);
        Assert.Equal("mock-embedding", result.Model);
    }

    [Fact]
    public async Task Models_ListAndGet_SdkSeesBothModels()
    {
        var models = Sdk.Client(fixture.Host).GetOpenAIModelClient();

        var list = (await models.GetModelsAsync()).Value;
        var chat = (await models.GetModelAsync("mock-gpt")).Value;

        Assert.Contains(list, m => m.Id == "mock-gpt");
        Assert.Contains(list, m => m.Id == "mock-embedding");
        Assert.Equal("aicdn", chat.OwnedBy);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("gpt-nope"));
        Assert.Equal(404, missing.Status);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task InjectedStatus_SurfacesAsClientResultException(int status)
    {
        var chat = Sdk.Client(fixture.Host, headers: ("x-mock-fault", $"status={status}")).GetChatClient("mock-gpt");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(s_hello));

        Assert.Equal(status, error.Status);
        Assert.Contains("injected by x-mock-fault", error.Message, StringComparison.Ordinal);
        if (status is 429 or 503)
        {
            Assert.True(error.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var retryAfter));
            Assert.Equal("1", retryAfter);
        }
    }

    [Fact]
    public async Task InjectedStatus_DuringStreaming_SurfacesBeforeTheFirstUpdate()
    {
        var chat = Sdk.Client(fixture.Host, headers: ("x-mock-fault", "status=503")).GetChatClient("mock-gpt");

        var error = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var update in chat.CompleteChatStreamingAsync(s_hello))
            {
                Assert.Fail("no update may arrive before an error status");
            }
        });

        Assert.Equal(503, error.Status);
    }

    [Fact]
    public async Task UnknownModel_Is404WithModelNotFound()
    {
        var chat = Sdk.Client(fixture.Host).GetChatClient("gpt-nope");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(s_hello));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidParameter_Is400NamingTheParameter()
    {
        var chat = Sdk.Client(fixture.Host).GetChatClient("mock-gpt");
        var options = new ChatCompletionOptions();
        foreach (var stop in new[] { "a", "b", "c", "d", "e" })
        {
            options.StopSequences.Add(stop);
        }

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(s_hello, options));

        Assert.Equal(400, error.Status);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        Assert.Equal("stop", body.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task RequiredKey_WrongKeyIs401_RightKeyAnswers()
    {
        await using var host = await MockServer.StartAsync(new Dictionary<string, string?> { ["Mock:RequiredApiKey"] = "sk-origin-secret" });

        var wrong = await Assert.ThrowsAsync<ClientResultException>(
            () => Sdk.Client(host, "sk-client-key").GetChatClient("mock-gpt").CompleteChatAsync(s_hello));
        ChatCompletion right = await Sdk.Client(host, "sk-origin-secret").GetChatClient("mock-gpt").CompleteChatAsync(s_hello);

        Assert.Equal(401, wrong.Status);
        Assert.Contains("invalid_api_key", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-client-key", wrong.Message, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, right.FinishReason);
    }
}
