using System.Diagnostics.Metrics;
using System.Net;
using AiCdn.Common.Routing;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>Two cores: when one stops, requests fail over to the other before anything reaches the client.</summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task OneCoreStopped_EveryRequestSucceedsOnTheOther()
    {
        var first = FreePort.Next();
        var second = FreePort.Next();
        var seenBySecond = new CoreObserver();
        await using var chain = await EdgeChains.StartAsync(
            new()
            {
                ["Edge:CoreNodes"] = $"http://127.0.0.1:{first},http://127.0.0.1:{second}",
                ["Edge:CoreTransport"] = "h2c",
                // Health checks must not hide the stopped core: failover alone has to save the requests.
                ["Edge:CoreHealthInterval"] = "00:05:00",
            },
            core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{first}" });
        var secondCore = await chain.AddCoreAsync(new Dictionary<string, string?> { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{second}" }, seenBySecond.Install());
        var secondStopped = false;
        try
        {
            using var failovers = new MetricCollector<long>(chain.Edge.Services.GetRequiredService<IMeterFactory>(), EdgeMetrics.MeterName, "aicdn.failovers");
            using var client = chain.CreateEdgeClient();

            // Both cores serve while both run.
            await Wait.UntilAsync(async () =>
            {
                Assert.Equal(HttpStatusCode.OK, await StreamAsync(client));
                return !seenBySecond.Requests.IsEmpty;
            }, Timeouts.Long, "the second core served a request");

            await secondCore.DisposeAsync();
            secondStopped = true;
            var requests = 0;
            while (failovers.GetMeasurementSnapshot().Count == 0)
            {
                Assert.True(++requests <= 60, "no request was ever sent to the stopped core");
                Assert.Equal(HttpStatusCode.OK, await StreamAsync(client));
            }

            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await StreamAsync(client));
            }
        }
        finally
        {
            if (!secondStopped)
            {
                await secondCore.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task CoreLostAfterReadingTheBody_TheRequestIsServedByAnother()
    {
        var first = FreePort.Next();
        var second = FreePort.Next();
        var seenBySecond = new CoreObserver();

        // The edge reaches the first core through a link that dies, as a killed core's connections do,
        // once that core has read a request's body and before it answers.
        await using var link = new TcpFaultProxy(new Uri($"http://127.0.0.1:{first}"));
        var dying = new DyingCore(link);
        await using var chain = await EdgeChains.StartAsync(
            new()
            {
                ["Edge:CoreNodes"] = $"{link.Address.ToString().TrimEnd('/')},http://127.0.0.1:{second}",
                ["Edge:CoreTransport"] = "h2c",
                ["Edge:CoreHealthInterval"] = "00:05:00",
            },
            coreServices: dying.Install(),
            core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{first}" });
        await using var secondCore = await chain.AddCoreAsync(new Dictionary<string, string?> { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{second}" }, seenBySecond.Install());
        using var client = chain.CreateEdgeClient();

        var requests = 0;
        while (dying.Attempt is null)
        {
            Assert.True(++requests <= 60, "no request was ever sent to the dying core");
            Assert.Equal(HttpStatusCode.OK, await StreamAsync(client));
        }

        // The second core took the same request as its second attempt, so it cancelled the first's reservation.
        Assert.True(CoreAttempt.TryParse(dying.Attempt, out var lost));
        Assert.Equal(1, lost.Value.Number);
        Assert.Contains(seenBySecond.Requests, r => r.Headers.GetValueOrDefault(CoreAttempt.Header) == lost.Value.NameOf(2));
    }

    [Fact]
    public async Task CoreResetsTheRequestsStream_ItIsNotTriedElsewhere()
    {
        var first = FreePort.Next();
        var second = FreePort.Next();
        var seenBySecond = new CoreObserver();
        var refusing = new RefusingCore();
        await using var chain = await EdgeChains.StartAsync(
            new()
            {
                ["Edge:CoreNodes"] = $"http://127.0.0.1:{first},http://127.0.0.1:{second}",
                ["Edge:CoreTransport"] = "h2c",
                ["Edge:CoreHealthInterval"] = "00:05:00",
            },
            coreServices: refusing.Install(),
            core: new() { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{first}" });
        await using var secondCore = await chain.AddCoreAsync(new Dictionary<string, string?> { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{second}" }, seenBySecond.Install());
        using var client = chain.CreateEdgeClient();

        // A live core that resets a request's HTTP/2 stream refused that request (a client's request
        // can cause that): it is answered with an error, not sent to every core in turn.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 60 && refusing.Refused == 0; i++)
        {
            statuses.Add(await StreamAsync(client));
        }

        Assert.Equal(1, refusing.Refused);
        Assert.Equal(HttpStatusCode.BadGateway, statuses[^1]);
        Assert.DoesNotContain(seenBySecond.Requests, r => r.Headers.GetValueOrDefault(CoreAttempt.Header)?.EndsWith(".2", StringComparison.Ordinal) == true);
    }

    /// <summary>A core that resets the stream of every request after reading its body.</summary>
    private sealed class RefusingCore
    {
        private int _refused;

        public int Refused => Volatile.Read(ref _refused);

        public Action<IServiceCollection> Install() => services => services.AddSingleton<IStartupFilter>(new Filter(this));

        private sealed class Filter(RefusingCore core) : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use(async (context, proceed) =>
                {
                    if (context.Request.Path.StartsWithSegments("/v1"))
                    {
                        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                        Interlocked.Increment(ref core._refused);
                        context.Abort();
                        return;
                    }

                    await proceed(context);
                });
                next(app);
            };
        }
    }

    /// <summary>A core whose link dies after it read the first request's body, before it answers.</summary>
    private sealed class DyingCore(TcpFaultProxy link)
    {
        private string? _attempt;

        public TcpFaultProxy Link => link;

        public string? Attempt => Volatile.Read(ref _attempt);

        public Action<IServiceCollection> Install() => services => services.AddSingleton<IStartupFilter>(new Filter(this));

        private sealed class Filter(DyingCore core) : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use(async (context, proceed) =>
                {
                    if (context.Request.Path.StartsWithSegments("/v1")
                        && Interlocked.CompareExchange(ref core._attempt, context.Request.Headers[CoreAttempt.Header].ToString(), null) is null)
                    {
                        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                        core.Link.Kill();
                        return;
                    }

                    await proceed(context);
                });
                next(app);
            };
        }
    }

    private static async Task<HttpStatusCode> StreamAsync(HttpClient client)
    {
        using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 3), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var events = await SseClient.ReadAllAsync(response, Timeouts.Token());
            Assert.Equal("[DONE]", events[^1].Data);
        }

        return response.StatusCode;
    }
}
