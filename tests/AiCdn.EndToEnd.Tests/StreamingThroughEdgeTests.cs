using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AiCdn.Testing;

namespace AiCdn.EndToEnd.Tests;

/// <summary>The foundation's promise: a key-checked completion streams edge → core → mock, chunk by chunk.</summary>
[Collection(AppHostCollection.Name)]
public sealed class StreamingThroughEdgeTests(AppHostFixture fixture)
{
    private static HttpRequestMessage ChatRequest(string? key, bool stream, int maxTokens, int tokenIntervalMs = 0)
    {
        var body = $$"""{"model":"mock-gpt","stream":{{(stream ? "true" : "false")}},"max_tokens":{{maxTokens}},"messages":[{"role":"user","content":"hi"}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (tokenIntervalMs > 0)
        {
            request.Headers.Add("x-mock-token-interval-ms", tokenIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("x-mock-ttft-ms", "0");
        }

        return request;
    }

    [Fact]
    public async Task StreamedCompletion_ArrivesChunkByChunkInOrder_NotBuffered()
    {
        const int Tokens = 12;
        const int IntervalMs = 150;
        using var client = fixture.CreateEdgeClient();
        using var request = ChatRequest(AppHostFixture.DevelopmentKey, stream: true, Tokens, IntervalMs);

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = await SseClient.ReadAllAsync(response);

        // role chunk, one chunk per token, the finish chunk, [DONE]
        Assert.Equal(Tokens + 3, events.Count);
        Assert.Equal("[DONE]", events[^1].Data);
        var contents = events.Skip(1).Take(Tokens).Select(e => ContentOf(e.Data)).ToList();
        Assert.All(contents, c => Assert.False(string.IsNullOrEmpty(c)));
        Assert.Equal("length", FinishReasonOf(events[^2].Data));

        // The same request answered whole gives the same text: nothing lost, nothing reordered.
        using var whole = await client.SendAsync(ChatRequest(AppHostFixture.DevelopmentKey, stream: false, Tokens));
        using var json = JsonDocument.Parse(await whole.Content.ReadAsStringAsync());
        Assert.Equal(string.Concat(contents), json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        // Paced 150 ms apart, the 12 tokens span ~1.6 s at the origin. A buffering hop would deliver
        // them together; require the first and last content chunks to be at least 0.8 s apart.
        var spread = events[Tokens].ArrivedAfter - events[1].ArrivedAfter;
        Assert.True(spread >= TimeSpan.FromMilliseconds(800), $"content chunks arrived within {spread.TotalMilliseconds:0} ms of each other: something buffered the stream");
    }

    [Fact]
    public async Task NonStreamedCompletion_ReturnsOneChatCompletionWithUsage()
    {
        using var client = fixture.CreateEdgeClient();
        using var response = await client.SendAsync(ChatRequest(AppHostFixture.DevelopmentKey, stream: false, maxTokens: 7));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("chat.completion", json.RootElement.GetProperty("object").GetString());
        Assert.Equal(7, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [InlineData(null, "missing_api_key")]
    [InlineData("sk-aicdn-not-a-real-key", "invalid_api_key")]
    public async Task MissingOrUnknownKey_Is401WithOpenAiError(string? key, string code)
    {
        using var client = fixture.CreateEdgeClient();
        using var response = await client.SendAsync(ChatRequest(key, stream: true, maxTokens: 3));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(code, await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task MalformedJson_Is400WithOpenAiError()
    {
        using var client = fixture.CreateEdgeClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"mock-gpt",""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppHostFixture.DevelopmentKey);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_json", await ErrorCodeAsync(response));
    }

    [Theory]
    [InlineData("/nowhere")]
    [InlineData("/v1/nowhere")]
    public async Task UnknownPath_Is404WithOpenAiError(string path)
    {
        using var client = fixture.CreateEdgeClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppHostFixture.DevelopmentKey);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_url", await ErrorCodeAsync(response));
    }

    private static string? ContentOf(string data)
    {
        using var json = JsonDocument.Parse(data);
        var delta = json.RootElement.GetProperty("choices")[0].GetProperty("delta");
        return delta.TryGetProperty("content", out var content) ? content.GetString() : null;
    }

    private static string? FinishReasonOf(string data)
    {
        using var json = JsonDocument.Parse(data);
        return json.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString();
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        return error.GetProperty("code").GetString();
    }
}
