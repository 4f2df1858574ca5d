using System.Net;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

public sealed class LeaseRenewalTests
{
    /// <summary>
    /// auth-quota releases an unsettled reservation after its TTL (here 10 s); a stream that runs
    /// longer keeps its concurrent-stream lease because the core renews it.
    /// </summary>
    [Fact]
    public async Task StreamLongerThanReservationTtl_KeepsItsLease()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            AuthQuota =
            {
                ["AuthQuota:ReservationTtl"] = "00:00:10",
                ["AuthQuota:DefaultLimits:MaxConcurrentStreams"] = "1",
            },
            Core = { ["CoreRelay:LeaseRenewInterval"] = "00:00:02" },
        });
        using var client = chain.CreateEdgeClient();

        // 56 tokens 250 ms apart: a 14 s stream.
        using var longRequest = Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 56);
        longRequest.Headers.Add("x-mock-token-interval-ms", "250");
        using var longStream = await client.SendAsync(longRequest, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, longStream.StatusCode);
        var reading = SseClient.ReadAllAsync(longStream);

        // Past the TTL, the first stream still holds the only lease.
        await Task.Delay(TimeSpan.FromSeconds(12));
        Assert.False(reading.IsCompleted, "the long stream ended before the reservation TTL had passed; the test proves nothing");
        using (var second = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 2)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        }

        var events = await reading;
        Assert.Equal("[DONE]", events[^1].Data);

        // Settled: the lease is free again.
        await Wait.UntilAsync(async () =>
        {
            using var third = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2));
            return third.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(10), "a new request is admitted once the long stream settled");
    }
}
