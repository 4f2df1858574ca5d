using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiCdn.Testing;

namespace AiCdn.ResumableStreams.Tests.Support;

/// <summary>Requests and readings the resumable-stream tests share.</summary>
internal static class Streams
{
    public const string StreamIdHeader = "x-aicdn-stream-id";

    public static HttpRequestMessage PacedChat(int tokens, int intervalMs, string key = Chain.ApiKey)
    {
        var body = $$"""{"model":"mock-gpt","stream":true,"max_tokens":{{tokens}},"messages":[{"role":"user","content":"Tell me about resumable streams."}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("x-mock-ttft-ms", "0");
        request.Headers.Add("x-mock-token-interval-ms", intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return request;
    }

    public static HttpRequestMessage Resume(string streamId, string? lastEventId, string key = Chain.ApiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/streams/{streamId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return request;
    }

    /// <summary>A client that, when it walks away, closes its connection instead of draining the response.</summary>
    public static HttpClient Client(ServiceHost edge) =>
        new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = edge.Address, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>The text the mock generates for <see cref="PacedChat"/>, asked once non-streamed.</summary>
    public static async Task<string> WholeTextAsync(Chain chain, int tokens)
    {
        using var client = chain.CreateEdgeClient();
        var body = $$"""{"model":"mock-gpt","max_tokens":{{tokens}},"messages":[{"role":"user","content":"Tell me about resumable streams."}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.ApiKey);
        using var response = await client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    /// <summary>Chat completions the mock (the origin) has received since the last reset.</summary>
    public static async Task<long> OriginChatRequestsAsync(Chain chain)
    {
        using var mock = chain.Mock.CreateClient();
        var audit = await mock.GetFromJsonAsync<JsonElement>("/mock/requests");
        return audit.GetProperty("chat_completions").GetInt64();
    }

    public static async Task ResetOriginAuditAsync(Chain chain)
    {
        using var mock = chain.Mock.CreateClient();
        await mock.DeleteAsync("/mock/requests");
    }

    /// <summary>Every event exactly once, in order: ids &lt;stream&gt;.1 ... &lt;stream&gt;.n, ending with [DONE].</summary>
    public static void AssertWholeAndInOrder(string streamId, IReadOnlyList<SseEvent> events, int tokens, string expectedText)
    {
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => $"{streamId}.{i}"), events.Select(e => e.SequenceId));
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Equal(tokens, events.Count(e => ChatChunks.ContentOf(e.Data) is { Length: > 0 }));
        Assert.Equal(expectedText, string.Concat(events.Select(e => ChatChunks.ContentOf(e.Data))));
    }
}
