using System.Net;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>
/// An edge that lost a core before it answered sends the request to another core as its next
/// attempt: that core cancels what the earlier attempt reserved, and the key's limits still hold.
/// </summary>
public sealed class CoreAttemptTests
{
    [Fact]
    public async Task SecondAttempt_CancelsTheFirstAttemptsReservation()
    {
        await using var chain = await Chain.StartAsync();
        var key = await chain.CreateKeyAsync("""{"tenant":"default","models":["mock-gpt"],"limits":{"max_concurrent_streams":1}}""");
        using var client = chain.Core.CreateClient();
        var group = Guid.NewGuid().ToString("N");

        // Attempt 1 holds the key's only stream (its edge has lost it; the core has not noticed yet).
        using var first = await SendAsync(client, SlowStream(key, $"{group}.1"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        // Another request of the same key is refused while it holds the stream...
        using var other = await SendAsync(client, SlowStream(key, Guid.NewGuid().ToString("N") + ".1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, other.StatusCode);

        // ...but attempt 2 of the same request replaces attempt 1: admitted, and holding the stream in its turn.
        using var second = await SendAsync(client, SlowStream(key, $"{group}.2"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        using var afterwards = await SendAsync(client, SlowStream(key, Guid.NewGuid().ToString("N") + ".1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, afterwards.StatusCode);
    }

    [Theory]
    [InlineData("not-an-attempt.2")]
    [InlineData("0123456789abcdef0123456789ABCDEF.2")]
    [InlineData("0123456789abcdef0123456789abcdef.0")]
    [InlineData("0123456789abcdef0123456789abcdef.10")]
    public void Malformed_IsNotAnAttempt(string value) => Assert.False(CoreAttempt.TryParse(value, out _));

    [Fact]
    public void Attempts_AreNumberedInOneGroup()
    {
        var first = CoreAttempt.First();
        var third = first.Next().Next();
        Assert.True(CoreAttempt.TryParse(third.ToString(), out var parsed));
        Assert.Equal(3, parsed.Value.Number);
        Assert.Equal(first.Group, parsed.Value.Group);
        Assert.Equal(first.ToString(), parsed.Value.NameOf(1));
    }

    private static HttpRequestMessage SlowStream(string key, string attempt)
    {
        var request = Requests.Chat(key, stream: true, maxTokens: 40);
        request.Headers.Add("x-mock-token-interval-ms", "250");
        request.Headers.Add(CoreAttempt.Header, attempt);
        new ClusterSignature(Chain.ClusterSecret, TimeProvider.System).Sign(request);
        return request;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request) =>
        client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
}
