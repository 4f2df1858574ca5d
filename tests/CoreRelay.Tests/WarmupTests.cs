using System.Diagnostics.Metrics;
using System.Net;
using AiCdn.AuthQuota.Telemetry;
using AiCdn.Common.Warmup;
using AiCdn.CoreRelay.Hosting;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.LlmMock.Auditing;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>
/// The core's warm-up gate (issue 18, item 4): /health answers 503 until the core has sent itself
/// its warm-up requests, /alive 200 throughout, and the warm-up leaves no trace: no request metric,
/// no access-log line, no call to auth-quota, none to the origin.
/// </summary>
public sealed class WarmupTests
{
    private const int WarmupRequests = 60;

    [Fact]
    public async Task Health_Is503WhileWarmingAnd200After_AliveThroughout_WarmupRecordsNothing()
    {
        using var held = new HeldWarmup();
        var logs = new CapturingLoggerProvider();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["Warmup:Requests"] = $"{WarmupRequests}", ["Warmup:Concurrency"] = "3" },
            CoreServices = services =>
            {
                logs.AddTo(services);
                held.Install<CoreWarmupRequests>()(services);
            },
        });
        using var core = chain.Core.CreateClient();

        using (var warming = await core.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, warming.StatusCode);
        }

        using (var alive = await core.GetAsync("/alive"))
        {
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        var coreMeters = chain.Core.Services.GetRequiredService<IMeterFactory>();
        var authMeters = chain.AuthQuota.Services.GetRequiredService<IMeterFactory>();
        using var coreRequests = new MetricCollector<long>(coreMeters, CoreRelayMetrics.MeterName, "aicdn.requests");
        using var coreHttp = new MetricCollector<double>(coreMeters, "Microsoft.AspNetCore.Hosting", "http.server.request.duration");
        using var authHttp = new MetricCollector<double>(authMeters, "Microsoft.AspNetCore.Hosting", "http.server.request.duration");
        using var decisions = new MetricCollector<long>(authMeters, QuotaMetrics.MeterName, "aicdn.quota.decisions");
        held.Release();

        await Wait.UntilAsync(
            async () =>
            {
                using var alive = await core.GetAsync("/alive");
                Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
                using var health = await core.GetAsync("/health");
                return health.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(30),
            "the core's /health to answer 200 once warm-up was done, /alive 200 all along");

        var gate = chain.Core.Services.GetRequiredService<WarmupGate>();
        Assert.Equal(WarmupRequests, gate.Sent);
        Assert.Equal(0, gate.Failed);
        Assert.Single(logs.Lines, l => l.Contains("[WarmupDone]", StringComparison.Ordinal) && l.Contains($"{WarmupRequests} requests answered (401×{WarmupRequests})", StringComparison.Ordinal));

        // Only the test's own GETs of /health and /alive were recorded anywhere.
        Assert.Empty(coreRequests.GetMeasurementSnapshot());
        Assert.DoesNotContain(coreHttp.GetMeasurementSnapshot(), m => (string?)m.Tags["http.request.method"] != "GET");
        Assert.Empty(authHttp.GetMeasurementSnapshot());
        Assert.Empty(decisions.GetMeasurementSnapshot());
        Assert.Equal(0, chain.Mock.Services.GetRequiredService<RequestLog>().Snapshot().Total);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("[AccessLog", StringComparison.Ordinal));

        // Warm: a client's request is served and recorded as ever.
        using var client = chain.CreateEdgeClient();
        using var served = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 3));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        await Wait.UntilAsync(() => coreRequests.GetMeasurementSnapshot().Count == 1, TimeSpan.FromSeconds(10), "the client's request in aicdn.requests");
    }

    [Theory]
    [InlineData("http://127.0.0.1:5003", "http://127.0.0.1:5003/")]
    [InlineData("http://0.0.0.0:80", "http://127.0.0.1/")]
    [InlineData("http://[::]:8080", "http://[::1]:8080/")]
    [InlineData("http://+:8081", "http://127.0.0.1:8081/")]
    [InlineData("http://localhost:5000", "http://127.0.0.1:5000/")]
    [InlineData("https://0.0.0.0:443", null)]
    [InlineData("http://unix:/run/aicdn.sock", null)]
    public void Loopback_MapsABoundAddressToOneWarmupCanReach(string bound, string? expected) =>
        Assert.Equal(expected, global::AiCdn.Common.Warmup.WarmupRequests.Loopback(bound)?.ToString());

    [Fact]
    public void Options_Defaults_AreValid() =>
        Assert.True(new WarmupOptionsValidator().Validate(null, new WarmupOptions()).Succeeded);

    [Fact]
    public void Options_OutOfBounds_EveryProblemNamedAtOnce()
    {
        var options = new WarmupOptions { Requests = -1, Concurrency = 0, MaxDuration = TimeSpan.FromMinutes(5) };

        var result = new WarmupOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.StartsWith("Warmup:Requests (WARMUP_REQUESTS)", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Warmup:Concurrency", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Warmup:MaxDuration (WARMUP_MAX_DURATION)", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_Off_AnyDuration()
    {
        var options = new WarmupOptions { Requests = 0, MaxDuration = TimeSpan.Zero };

        Assert.True(new WarmupOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public async Task Variables_TakeTheDurationSyntax_AndAZeroCountIsReadyAtOnce()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["Warmup:Requests"] = null, ["WARMUP_REQUESTS"] = "0", ["WARMUP_MAX_DURATION"] = "20s" },
        });

        var options = chain.Core.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WarmupOptions>>().Value;
        Assert.Equal(0, options.Requests);
        Assert.Equal(TimeSpan.FromSeconds(20), options.MaxDuration);
        using var core = chain.Core.CreateClient();
        await Wait.UntilAsync(async () => (await core.GetAsync("/health")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "/health 200 with warm-up off");
        Assert.Equal(0, chain.Core.Services.GetRequiredService<WarmupGate>().Sent);
    }
}
