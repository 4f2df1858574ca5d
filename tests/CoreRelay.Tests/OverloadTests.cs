using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AiCdn.CoreRelay.Quota;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.CoreRelay.Tests;

/// <summary>A core that cannot keep up refuses before any work: no reservation, so nothing charged.</summary>
public sealed class OverloadTests
{
    [Fact]
    public async Task CoreOverloaded_503OverloadedWithRetryAfter_NothingReservedOrForwarded()
    {
        var overload = new SwitchedOverload { Overloaded = true };
        var quotaCalls = new ConcurrentQueue<string>();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            CoreServices = services =>
            {
                overload.AddTo(services);
                services.AddHttpClient<QuotaDecisions>().AddHttpMessageHandler(() => new Recorder(quotaCalls));
            },
        });
        using var client = chain.CreateEdgeClient();

        using (var refused = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 3)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("overloaded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Empty(quotaCalls);

        overload.Overloaded = false;
        using var served = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 3));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.NotEmpty(quotaCalls);
    }

    [Fact]
    public async Task AllDecisionSlotsTaken_NextRequest503OverloadedAtOnce_NothingReserved_ServedOnceASlotFrees()
    {
        var held = new HeldDecisions();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:MaxPendingDecisions"] = "1" },
            CoreServices = services => services.AddHttpClient<QuotaDecisions>().AddHttpMessageHandler(() => held),
        });
        using var client = chain.CreateEdgeClient();

        var first = client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 3));
        await held.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using (var refused = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 3)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("overloaded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Equal(1, held.Authorizations);
        held.Release.SetResult();
        using (var response = await first)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var after = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 3));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(2, held.Authorizations);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_000_001)]
    public void MaxPendingDecisionsOutOfRange_Refused(int value)
    {
        var result = new CoreRelayOptionsValidator().Validate(null, new CoreRelayOptions { MaxPendingDecisions = value });

        Assert.Contains(result.Failures!, f => f.StartsWith("CoreRelay:MaxPendingDecisions (MAX_PENDING_DECISIONS)", StringComparison.Ordinal));
    }

    /// <summary>Holds the first authorisation sent to auth-quota until released; counts them all.</summary>
    private sealed class HeldDecisions : DelegatingHandler
    {
        private int _authorizations;

        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Authorizations => Volatile.Read(ref _authorizations);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath == AiCdn.Common.Quota.QuotaRoutes.Authorize && Interlocked.Increment(ref _authorizations) == 1)
            {
                Arrived.SetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class Recorder(ConcurrentQueue<string> calls) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            calls.Enqueue(request.RequestUri?.AbsolutePath ?? "");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
