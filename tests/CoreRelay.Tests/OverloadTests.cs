using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AiCdn.CoreRelay.Admission;
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
                services.AddHttpClient<AuthQuotaClient>().AddHttpMessageHandler(() => new Recorder(quotaCalls));
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

    private sealed class Recorder(ConcurrentQueue<string> calls) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            calls.Enqueue(request.RequestUri?.AbsolutePath ?? "");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
