using AiCdn.AuthQuota.Telemetry;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AiCdn.AuthQuota.Tests;

public sealed class MetricsTests
{
    private const string Key = "sk-aicdn-metrics-key-0001";

    [Fact]
    public async Task Rejection_CountedWithLimitScopeAndConfiguredTenant()
    {
        await using var cluster = await QuotaCluster.StartAsync(null, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultTenant"] = "acme",
            ["AuthQuota:Tenants:acme:RequestsPerMinute"] = "1",
        });
        var meters = cluster.Service<System.Diagnostics.Metrics.IMeterFactory>();
        using var rejections = new MetricCollector<long>(meters, QuotaMetrics.MeterName, "aicdn.ratelimit.rejections");
        using var decisions = new MetricCollector<long>(meters, QuotaMetrics.MeterName, "aicdn.quota.decisions");
        var (_, adminKey) = await cluster[0].CreateKeyAsync("""{"tenant":"unlisted","limits":{"requests_per_minute":1}}""");

        await cluster[0].AuthorizeAsync(Key);
        await cluster[0].AuthorizeAsync(Key);
        await cluster[0].AuthorizeAsync(adminKey);
        await cluster[0].AuthorizeAsync(adminKey);
        await cluster[0].AuthorizeAsync("sk-aicdn-unknown-key-0001");

        var counted = rejections.GetMeasurementSnapshot();
        Assert.Equal(2, counted.Count);
        Assert.Equal("requests_per_minute", counted[0].Tags["limit"]);
        Assert.Equal("tenant", counted[0].Tags["scope"]);
        Assert.Equal("acme", counted[0].Tags["tenant"]);
        Assert.Equal("key", counted[1].Tags["scope"]);
        Assert.Equal("other", counted[1].Tags["tenant"]);
        var results = decisions.GetMeasurementSnapshot().Select(m => (string)m.Tags["result"]!).ToList();
        Assert.Equal(["allowed", "rate_limit_exceeded", "allowed", "rate_limit_exceeded", "invalid_api_key"], results);
    }
}
