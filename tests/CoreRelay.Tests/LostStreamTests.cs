using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.Common.Streams;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>
/// Every event of a resumable stream carries the usage so far in its id, and an edge that lost the
/// core holding a stream reports that usage to another core, which settles the reservation with it
/// (issue 20: a killed core's streams had stayed charged at their estimates).
/// </summary>
public sealed class LostStreamTests
{
    [Fact]
    public async Task EventIds_CarryThePromptAsCountedAndTheCompletionTokensRelayedSoFar()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.Core.CreateClient();
        using var request = Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 12, includeUsage: false);
        new ClusterSignature(Chain.ClusterSecret, TimeProvider.System).Sign(request);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var prompt = int.Parse(response.Headers.GetValues(StreamId.PromptTokensHeader).Single(), System.Globalization.CultureInfo.InvariantCulture);
        var events = await SseClient.ReadAllAsync(response);

        Assert.True(prompt > 0);
        var contentSoFar = 0;
        foreach (var item in events)
        {
            contentSoFar += ChatChunks.ContentOf(item.Data) is { Length: > 0 } ? 1 : 0;
            Assert.True(StreamId.TryParseEventUsage(item.Id, out var promptTokens, out var completionTokens), $"no usage in event id {item.Id}");
            Assert.Equal(prompt, promptTokens);
            Assert.Equal(contentSoFar, completionTokens);
        }

        Assert.Equal(12, contentSoFar);
    }

    [Fact]
    public async Task LostStreamReport_SettlesTheReservationForTheReportedUsage_AndReleasesItsStream()
    {
        await using var chain = await Chain.StartAsync();
        var (key, keyId) = await chain.CreateKeyWithIdAsync("""{"tenant":"default","models":["mock-gpt"],"limits":{"max_concurrent_streams":1}}""");
        using var client = chain.Core.CreateClient();
        var attempt = CoreAttempt.First().ToString();

        // A stream estimated at its prompt + 40 tokens, of which the client has had a few.
        using var stream = await client.SendAsync(SlowStream(key, attempt), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        await using var events = SseClient.ReadAsync(stream).GetAsyncEnumerator();
        var lastId = await ContentEventIdAsync(events, contentEvents: 3);
        Assert.True(StreamId.TryParseEventUsage(lastId, out var prompt, out var completion));
        Assert.Equal(3, completion);
        using (var refused = await client.SendAsync(SlowStream(key, CoreAttempt.First().ToString()), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        // The edge lost the core holding it: it reports what its client received, here to the same core.
        using var report = await client.SendAsync(Report(key, new LostStreamReport(attempt, prompt, completion)));
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);

        await Wait.UntilAsync(async () => await chain.TokensTodayAsync(keyId) == prompt + completion, TimeSpan.FromSeconds(15), "the reservation settled for the reported usage");

        // Its stream lease was released with it: the key's one stream is free (this one reserves its estimate).
        using var admitted = await client.SendAsync(SlowStream(key, CoreAttempt.First().ToString()), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        var settled = prompt + completion + prompt + 40;
        Assert.Equal(settled, await chain.TokensTodayAsync(keyId));

        // The stream's own core settling it when it ends (here that core is alive) changes nothing:
        // a reservation is settled once, and the report came first.
        var last = events.Current;
        while (await events.MoveNextAsync())
        {
            last = events.Current;
        }

        Assert.Equal("[DONE]", last.Data);
        await Task.Delay(1000);
        Assert.Equal(settled, await chain.TokensTodayAsync(keyId));
    }

    [Fact]
    public async Task LostStreamReport_WithoutAnEdgeSignature_IsForbidden()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.Core.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, LostStreamReport.Route)
        {
            Content = JsonContent.Create(new { reservation_id = CoreAttempt.First().ToString(), prompt_tokens = 0, completion_tokens = 0 }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.ApiKey);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"reservation_id":"not-an-attempt","prompt_tokens":1,"completion_tokens":1}""")]
    [InlineData("""{"reservation_id":"0123456789abcdef0123456789abcdef.1","prompt_tokens":-1,"completion_tokens":1}""")]
    [InlineData("""{"reservation_id":"0123456789abcdef0123456789abcdef.1","prompt_tokens":1""")]
    [InlineData("[]")]
    [InlineData("""{"reservation_id":"\ud800","prompt_tokens":1,"completion_tokens":1}""")]
    public async Task LostStreamReport_Malformed_IsABadRequest(string body)
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.Core.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, LostStreamReport.Route) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.ApiKey);
        new ClusterSignature(Chain.ClusterSecret, TimeProvider.System).Sign(request);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("s_node-1_0123456789abcdef01234567.7.120.33", true, 7L, 120, 33)]
    [InlineData("s_node-1_0123456789abcdef01234567.7", true, 7L, -1, -1)]
    [InlineData("s_node-1_0123456789abcdef01234567.x.1.2", false, 0L, -1, -1)]
    [InlineData("s_node-1_0123456789abcdef01234567.7.-1.2", true, 7L, -1, -1)]
    [InlineData("s_node-1_0123456789abcdef01234567.7.1", true, 7L, -1, -1)]
    [InlineData("nonsense.7.1.2", false, 0L, -1, -1)]
    public void EventIds_ParseWithAndWithoutUsage(string id, bool valid, long sequence, int prompt, int completion)
    {
        Assert.Equal(valid, StreamId.TryParseEventId(id, out var streamId, out var parsed));
        if (valid)
        {
            Assert.Equal(sequence, parsed);
            Assert.Equal("s_node-1_0123456789abcdef01234567", streamId);
        }

        var hasUsage = StreamId.TryParseEventUsage(id, out var p, out var c);
        Assert.Equal(prompt >= 0, hasUsage);
        if (hasUsage)
        {
            Assert.Equal((prompt, completion), (p, c));
        }
    }

    [Fact]
    public void EventIds_FormatAndParseBack_AtTheirLongest()
    {
        var streamId = StreamId.New(new string('n', 48));
        Span<byte> buffer = stackalloc byte[160];
        Assert.True(StreamId.TryFormatEventId(buffer, streamId, long.MaxValue, int.MaxValue, int.MaxValue, out var written));
        var id = System.Text.Encoding.ASCII.GetString(buffer[..written]);

        Assert.True(written <= 128, $"{written} bytes: longer than an edge keeps for a resume point");
        Assert.True(StreamId.TryParseEventId(id, out var parsedStream, out var sequence));
        Assert.Equal((streamId, long.MaxValue), (parsedStream, sequence));
        Assert.True(StreamId.TryParseEventUsage(id, out var prompt, out var completion));
        Assert.Equal((int.MaxValue, int.MaxValue), (prompt, completion));
    }

    private static async Task<string> ContentEventIdAsync(IAsyncEnumerator<SseEvent> events, int contentEvents)
    {
        var seen = 0;
        while (await events.MoveNextAsync())
        {
            if (ChatChunks.ContentOf(events.Current.Data) is { Length: > 0 } && ++seen == contentEvents)
            {
                return events.Current.Id!;
            }
        }

        throw new InvalidOperationException("The stream ended first.");
    }

    private static HttpRequestMessage SlowStream(string key, string attempt)
    {
        var request = Requests.Chat(key, stream: true, maxTokens: 40, includeUsage: false);
        request.Headers.Add("x-mock-token-interval-ms", "200");
        request.Headers.Add(CoreAttempt.Header, attempt);
        new ClusterSignature(Chain.ClusterSecret, TimeProvider.System).Sign(request);
        return request;
    }

    private static HttpRequestMessage Report(string key, LostStreamReport report)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, LostStreamReport.Route)
        {
            Content = JsonContent.Create(new { reservation_id = report.ReservationId, prompt_tokens = report.PromptTokens, completion_tokens = report.CompletionTokens }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        new ClusterSignature(Chain.ClusterSecret, TimeProvider.System).Sign(request);
        return request;
    }
}
