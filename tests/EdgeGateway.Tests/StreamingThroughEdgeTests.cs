using System.Net;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>Streams through the real chain arrive unbuffered and uncacheable, whatever the client's HTTP version.</summary>
public sealed class StreamingThroughEdgeTests
{
    [Fact]
    public async Task StreamedCompletion_Http11_ArrivesChunkByChunkWithNoStore()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();
        using var request = ChatRequests.Streamed(tokens: 8, intervalMs: 150);

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        var events = await SseClient.ReadAllAsync(response, Timeouts.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
        Assert.True(response.Headers.Contains("x-request-id"));

        // 8 tokens 150 ms apart: if anything buffered, they would arrive together at the end.
        var content = events.WithContent();
        Assert.Equal(8, content.Count);
        Assert.True(content[^1].ArrivedAfter - content[0].ArrivedAfter > TimeSpan.FromMilliseconds(450),
            $"first and last content events arrived {(content[^1].ArrivedAfter - content[0].ArrivedAfter).TotalMilliseconds} ms apart");
    }
}
