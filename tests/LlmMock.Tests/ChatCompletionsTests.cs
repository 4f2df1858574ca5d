using System.Net;
using System.Text.Json;
using AiCdn.Testing;
using AiCdn.Tokens;

namespace AiCdn.LlmMock.Tests;

/// <summary>The Chat Completions wire format byte by byte, determinism and exact token counts.</summary>
public sealed class ChatCompletionsTests(MockFixture fixture) : IClassFixture<MockFixture>
{
    private static readonly int s_hiPromptTokens = TokenCounter.Default.CountChatPrompt([new ChatPromptMessage("user", "hi")]);

    [Fact]
    public async Task Stream_WithIncludeUsage_IsRoleChunkTokensFinishUsageDone()
    {
        using var client = fixture.CreateClient();
        using var response = await client.SendAsync(Chat.Completion(Chat.Body(stream: true, maxTokens: 9, includeUsage: true)), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = await SseClient.ReadAllAsync(response);

        // role, 9 tokens, finish, usage, [DONE]
        Assert.Equal(13, events.Count);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.SkipLast(1).Select(e => Chat.Parse(e.Data)).ToList();
        var id = chunks[0].GetProperty("id").GetString();
        Assert.StartsWith("chatcmpl-", id);
        Assert.All(chunks, c =>
        {
            Assert.Equal(id, c.GetProperty("id").GetString());
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.Equal("mock-gpt", c.GetProperty("model").GetString());
            Assert.Equal(chunks[0].GetProperty("created").GetInt64(), c.GetProperty("created").GetInt64());
            Assert.Equal("fp_aicdn_mock", c.GetProperty("system_fingerprint").GetString());
        });

        var role = chunks[0].GetProperty("choices")[0];
        Assert.Equal("assistant", role.GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal(string.Empty, role.GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, role.GetProperty("finish_reason").ValueKind);
        Assert.All(chunks.Skip(1).Take(9), c =>
        {
            Assert.False(string.IsNullOrEmpty(Chat.ContentOf(c)));
            Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind);
        });

        var finish = chunks[10].GetProperty("choices")[0];
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());
        Assert.Equal("length", finish.GetProperty("finish_reason").GetString());

        var usage = chunks[11];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(9, usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(s_hiPromptTokens, usage.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(s_hiPromptTokens + 9, usage.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_HasNoUsageAnywhere()
    {
        using var client = fixture.CreateClient();
        using var response = await client.SendAsync(Chat.Completion(Chat.Body(stream: true, maxTokens: 4)), HttpCompletionOption.ResponseHeadersRead);

        var events = await SseClient.ReadAllAsync(response);

        Assert.Equal(7, events.Count);
        Assert.All(events.SkipLast(1), e => Assert.False(Chat.Parse(e.Data).TryGetProperty("usage", out _)));
    }

    [Fact]
    public async Task SameRequest_GivesSameText_StreamedOrWhole_WithFreshIds()
    {
        using var client = fixture.CreateClient();
        var body = Chat.Body(maxTokens: 20, content: "Tell me about relays.");

        using var first = await client.SendAsync(Chat.Completion(body));
        using var second = await client.SendAsync(Chat.Completion(body));
        using var streamed = await client.SendAsync(Chat.Completion(Chat.Body(stream: true, maxTokens: 20, content: "Tell me about relays.")), HttpCompletionOption.ResponseHeadersRead);
        var a = await Chat.JsonAsync(first);
        var b = await Chat.JsonAsync(second);
        var pieces = Chat.ContentChunks(await SseClient.ReadAllAsync(streamed)).Select(Chat.ContentOf).ToList();

        var text = a.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal(text, b.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(text, string.Concat(pieces));
        Assert.Equal(20, pieces.Count);
        Assert.NotEqual(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Whole_WithStreamOptions_IgnoresThem()
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 2, includeUsage: true)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await Chat.JsonAsync(response)).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task DifferentMessages_GiveDifferentText()
    {
        using var client = fixture.CreateClient();

        using var first = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 12, content: "first question")));
        using var second = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 12, content: "second question")));

        Assert.NotEqual(
            (await Chat.JsonAsync(first)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            (await Chat.JsonAsync(second)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Whole_HasOpenAiShapeAndExactUsage()
    {
        using var client = fixture.CreateClient();
        using var response = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 7)));

        var json = await Chat.JsonAsync(response);
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        var choice = json.GetProperty("choices")[0];
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("refusal").ValueKind);
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var usage = json.GetProperty("usage");
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(s_hiPromptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task PromptTokens_CountEveryMessageWithOpenAiFraming()
    {
        using var client = fixture.CreateClient();
        var body = """
            {"model":"mock-gpt","max_tokens":1,"messages":[
              {"role":"system","content":"You are terse."},
              {"role":"user","name":"ada","content":[{"type":"text","text":"Count "},{"type":"text","text":"these tokens."}]},
              {"role":"assistant","content":"Fine."}]}
            """;

        using var response = await client.SendAsync(Chat.Completion(body));

        var expected = TokenCounter.Default.CountChatPrompt(
        [
            new ChatPromptMessage("system", "You are terse."),
            new ChatPromptMessage("user", "Count these tokens.", "ada"),
            new ChatPromptMessage("assistant", "Fine."),
        ]);
        Assert.Equal(expected, (await Chat.JsonAsync(response)).GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task NullOrPartlessContent_CountsNoText()
    {
        using var client = fixture.CreateClient();
        var body = """
            {"model":"mock-gpt","max_tokens":1,"messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":null,"tool_calls":[]},
              {"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}
            """;

        using var response = await client.SendAsync(Chat.Completion(body));

        var expected = TokenCounter.Default.CountChatPrompt(
            [new ChatPromptMessage("user", "go"), new ChatPromptMessage("assistant", null), new ChatPromptMessage("user", string.Empty)]);
        Assert.Equal(expected, (await Chat.JsonAsync(response)).GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task MaxCompletionTokens_WinsOverMaxTokens()
    {
        using var client = fixture.CreateClient();
        var body = """{"model":"mock-gpt","max_tokens":9,"max_completion_tokens":3,"messages":[{"role":"user","content":"hi"}]}""";

        using var response = await client.SendAsync(Chat.Completion(body));

        Assert.Equal(3, (await Chat.JsonAsync(response)).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task NoLimit_UsesDefaultLength_FinishStop()
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body()));

        var json = await Chat.JsonAsync(response);
        Assert.Equal(64, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("stop", json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task N3_GivesThreeDistinctChoices_UsageCountsAll()
    {
        using var client = fixture.CreateClient();

        using var single = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 6, content: "choices")));
        using var three = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 6, content: "choices", n: 3)));

        var json = await Chat.JsonAsync(three);
        var choices = json.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        var texts = choices.Select(c => c.GetProperty("message").GetProperty("content").GetString()).ToList();
        Assert.Equal(3, texts.Distinct().Count());
        Assert.Equal((await Chat.JsonAsync(single)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), texts[0]);
        Assert.Equal(18, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(TokenCounter.Default.CountChatPrompt([new ChatPromptMessage("user", "choices")]), json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task N2_Streamed_EachChoiceHasRoleTokensAndFinishUnderItsIndex()
    {
        using var client = fixture.CreateClient();
        using var whole = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 5, content: "pair", n: 2)));
        using var response = await client.SendAsync(Chat.Completion(Chat.Body(stream: true, maxTokens: 5, content: "pair", n: 2, includeUsage: true)), HttpCompletionOption.ResponseHeadersRead);

        var events = await SseClient.ReadAllAsync(response);

        var chunks = events.SkipLast(1).Select(e => Chat.Parse(e.Data)).ToList();
        var usage = chunks[^1];
        Assert.Equal(10, usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var expected = (await Chat.JsonAsync(whole)).GetProperty("choices");
        for (var index = 0; index < 2; index++)
        {
            var mine = chunks.SkipLast(1).Select(c => c.GetProperty("choices")[0]).Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal(7, mine.Count);
            Assert.Equal("assistant", mine[0].GetProperty("delta").GetProperty("role").GetString());
            Assert.Equal("length", mine[^1].GetProperty("finish_reason").GetString());
            var text = string.Concat(mine.Skip(1).SkipLast(1).Select(c => c.GetProperty("delta").GetProperty("content").GetString()));
            Assert.Equal(expected[index].GetProperty("message").GetProperty("content").GetString(), text);
        }
    }

    [Fact]
    public async Task Stop_CutsTextBeforeFirstOccurrence_FinishStop_StreamedAlike()
    {
        using var client = fixture.CreateClient();
        using var full = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 40, content: "stop here")));
        var text = (await Chat.JsonAsync(full)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

        // A sequence starting inside a token, so the cut splits it.
        var stop = text.Substring(text.Length / 2 + 1, 4);
        var expected = text[..text.IndexOf(stop, StringComparison.Ordinal)];
        using var cut = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 40, content: "stop here", stop: new[] { "\u2603never", stop })));
        using var streamed = await client.SendAsync(Chat.Completion(Chat.Body(stream: true, maxTokens: 40, content: "stop here", stop: stop, includeUsage: true)), HttpCompletionOption.ResponseHeadersRead);

        var json = await Chat.JsonAsync(cut);
        Assert.Equal(expected, json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var events = await SseClient.ReadAllAsync(streamed);
        var pieces = Chat.ContentChunks(events).Select(Chat.ContentOf).ToList();
        Assert.Equal(expected, string.Concat(pieces));
        Assert.Equal("stop", Chat.Parse(events[^3].Data).GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        // The tokens that produced the stop sequence count as generated, as OpenAI bills them.
        var generated = json.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.InRange(generated, pieces.Count, 40);
        Assert.Equal(generated, Chat.Parse(events[^2].Data).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Stop_NotInText_KeepsLengthFinish()
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 5, stop: "\u2603")));

        var json = await Chat.JsonAsync(response);
        Assert.Equal("length", json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(5, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_value", "model")]
    [InlineData("""{"model":"gpt-nope","messages":[{"role":"user","content":"hi"}]}""", 404, "model_not_found", "model")]
    [InlineData("""{"model":"mock-embedding","messages":[{"role":"user","content":"hi"}]}""", 404, "model_not_found", "model")]
    [InlineData("""{"model":"mock-gpt","messages":[]}""", 400, "invalid_value", "messages")]
    [InlineData("""{"model":"mock-gpt","messages":[{"role":"wizard","content":"hi"}]}""", 400, "invalid_value", "messages[0].role")]
    [InlineData("""{"model":"mock-gpt","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_value", "max_tokens")]
    [InlineData("""{"model":"mock-gpt","max_completion_tokens":0,"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_value", "max_completion_tokens")]
    [InlineData("""{"model":"mock-gpt","n":0,"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_value", "n")]
    [InlineData("""{"model":"mock-gpt","n":129,"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_value", "n")]
    [InlineData("""{"model":"mock-gpt","stop":["a","b","c","d","e"],"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_value", "stop")]
    [InlineData("""{"model":"mock-gpt","stop":[1],"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_value", "stop")]
    [InlineData("""{"model":"mock-gpt","max_tokens":"many","messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_json", null)]
    [InlineData("""{"model":"mock-gpt",""", 400, "invalid_json", null)]
    [InlineData("""[]""", 400, "invalid_json", null)]
    public async Task BadRequest_GetsOpenAiErrorWithStatusAndParam(string body, int status, string code, string? param)
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(body));

        Assert.Equal(status, (int)response.StatusCode);
        var error = await Chat.ErrorAsync(response);
        Assert.Equal(code, error.Code);
        Assert.Equal(param, error.Param);
        Assert.Equal("invalid_request_error", error.Type);
    }

    [Theory]
    [InlineData("""{"model":"mock-gpt","messages":"hi"}""", "at $.messages")]
    [InlineData("""{"model":"mock-gpt",""", "line 1, byte")]
    public async Task InvalidJson_MessageSaysWhere_NeverTheParsersText(string body, string where)
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await Chat.JsonAsync(response)).GetProperty("error").GetProperty("message").GetString();
        Assert.Contains(where, message);
        Assert.DoesNotContain("System.", message);
        Assert.DoesNotContain("LineNumber", message);
    }

    [Theory]
    [InlineData("x-mock-tokens", "many")]
    [InlineData("x-mock-ttft-ms", "-1")]
    [InlineData("x-mock-token-interval-ms", "600001")]
    [InlineData("x-mock-fault", "explode=yes")]
    [InlineData("x-mock-fault", "status=200")]
    [InlineData("x-mock-fault", "none;status=500")]
    public async Task BadMockHeader_Is400NamingTheHeader(string header, string value)
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Completion(Chat.Body(), (header, value)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(header, (await Chat.ErrorAsync(response)).Param);
    }

    [Theory]
    [InlineData("GET", "/v1/nowhere")]
    [InlineData("POST", "/v2/chat/completions")]
    public async Task UnknownPath_Is404UnknownUrl(string method, string path)
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_url", (await Chat.ErrorAsync(response)).Code);
    }
}
