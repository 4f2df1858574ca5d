using AiCdn.Common.Quota;
using AiCdn.Common.Security;

namespace AiCdn.AuthQuota.Tests;

/// <summary>
/// 1,000 concurrent authorisations against a limit of 100, split over two replicas sharing Redis
/// (or one replica on the in-memory store): exactly 100 pass. The clock is frozen, so no window
/// refills during the burst and the count is exact by construction, not by luck.
/// </summary>
public sealed class ExactnessTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const int Calls = 1000;
    private const string Key = "sk-aicdn-exactness-key-0001";

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_ThousandConcurrentAgainstHundredRequestsPerMinute_ExactlyHundredAllowed(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:RequestsPerMinute"] = "100",
        });

        var decisions = await AuthorizeConcurrentlyAsync(cluster, _ => Key, tokens: 10, stream: false);

        AssertExactly(decisions, 100, "requests per minute (RPM) on API key");
        var usage = await cluster[0].UsageAsync(KeyId(Key));
        Assert.Equal(100, usage.GetProperty("key").GetProperty("requests_per_minute").GetProperty("used").GetInt64());
        Assert.Equal(1000, usage.GetProperty("key").GetProperty("tokens_today").GetProperty("used").GetInt64());
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_ThousandConcurrentAgainstTokensPerMinute_ExactlyHundredAllowed(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:TokensPerMinute"] = "100000",
        });

        var decisions = await AuthorizeConcurrentlyAsync(cluster, _ => Key, tokens: 1000, stream: false);

        AssertExactly(decisions, 100, "tokens per minute (TPM) on API key");
        Assert.All(decisions.Where(d => !d.Allowed), d => Assert.Equal("tokens", d.Error!.Type));
        var usage = await cluster[0].UsageAsync(KeyId(Key));
        Assert.Equal(100_000, usage.GetProperty("key").GetProperty("tokens_per_minute").GetProperty("used").GetInt64());
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_ThousandConcurrentStreamsAgainstHundredLeases_ExactlyHundredAllowed(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:MaxConcurrentStreams"] = "100",
        });

        var decisions = await AuthorizeConcurrentlyAsync(cluster, _ => Key, tokens: 10, stream: true);

        AssertExactly(decisions, 100, "concurrent streams on API key");
        Assert.All(decisions.Where(d => !d.Allowed), d => Assert.Equal(1000, d.RetryAfterMs));
        var usage = await cluster[0].UsageAsync(KeyId(Key));
        Assert.Equal(100, usage.GetProperty("key").GetProperty("concurrent_streams").GetProperty("used").GetInt64());
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_ThousandConcurrentOverTenKeysOfOneTenant_TenantLimitHoldsExactly(StoreKind store)
    {
        var keys = Enumerable.Range(0, 10).Select(i => $"sk-aicdn-tenant-key-{i:D4}").ToArray();
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = string.Join(',', keys),
            ["AuthQuota:DefaultTenant"] = "acme",
            ["AuthQuota:Tenants:acme:RequestsPerMinute"] = "100",
        });

        var decisions = await AuthorizeConcurrentlyAsync(cluster, i => keys[i % keys.Length], tokens: 10, stream: false);

        AssertExactly(decisions, 100, "requests per minute (RPM) on tenant acme");
    }

    private static async Task<AuthorizeDecision[]> AuthorizeConcurrentlyAsync(QuotaCluster cluster, Func<int, string> key, long tokens, bool stream)
    {
        // All 1,000 calls are in flight together, alternating between the replicas.
        using var go = new SemaphoreSlim(0);
        var calls = Enumerable.Range(0, Calls).Select(async i =>
        {
            await go.WaitAsync();
            return await cluster[i % cluster.Replicas.Count].AuthorizeAsync(key(i), tokens, stream);
        }).ToArray();
        go.Release(Calls);
        return await Task.WhenAll(calls);
    }

    private static void AssertExactly(AuthorizeDecision[] decisions, int allowed, string limitWords)
    {
        Assert.Equal(allowed, decisions.Count(d => d.Allowed));
        var refused = decisions.Where(d => !d.Allowed).ToList();
        Assert.Equal(Calls - allowed, refused.Count);
        Assert.All(refused, d =>
        {
            Assert.Equal(429, d.Status);
            Assert.Equal("rate_limit_exceeded", d.Error!.Code);
            Assert.Contains(limitWords, d.Error.Message, StringComparison.Ordinal);
        });
        Assert.Equal(Calls, decisions.Select(d => d.ReservationId).Distinct().Count());
    }

    private static string KeyId(string key) => "key_" + ApiKeyHash.Compute(key)[..16];
}
