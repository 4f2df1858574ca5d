using System.Net;
using AiCdn.AuthQuota.Keys;
using AiCdn.AuthQuota.Keys.Redis;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AiCdn.AuthQuota.Tests;

/// <summary>
/// Redis killed (SIGKILL) and restarted on the same port in the middle of a test: the configured
/// failure mode holds while it is down, auth-quota never crashes, and service resumes on its own.
/// Each test has its own redis-server, since it kills it.
/// </summary>
public sealed class StoreFailureTests
{
    private const string Key = "sk-aicdn-failure-key-0001";

    [Fact]
    public async Task RedisKilled_FailClosed_503UntilRedisIsBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await QuotaCluster.StartAsync(redis, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:RequestsPerMinute"] = "100",
        });
        var client = cluster[0];
        var reserved = await client.AuthorizeAsync(Key);
        Assert.True(reserved.Allowed);

        await redis.KillAsync();
        var down = await client.AuthorizeAsync(Key);
        using var settleWhileDown = await client.SettleAsync(reserved.ReservationId, 1, 1);
        using var health = await client.Http.GetAsync("/health");

        Assert.False(down.Allowed);
        Assert.Equal(503, down.Status);
        Assert.Equal("quota_store_unavailable", down.Error!.Code);
        Assert.Equal(1000, down.RetryAfterMs);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, settleWhileDown.StatusCode);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());

        // A Redis without persistence comes back empty: API_KEYS is written again on reconnect.
        await redis.RestartAsync();
        await Wait.UntilAsync(async () => (await client.AuthorizeAsync(Key)).Allowed, TimeSpan.FromSeconds(30), "authorisation works again after Redis restarted");
        using var healthAfter = await client.Http.GetAsync("/health");
        Assert.Equal("Healthy", await healthAfter.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RedisRestartedEmpty_KeysNotYetRewritten_503WithRetryAfterNever401()
    {
        await using var redis = await RedisServer.StartAsync();
        GatedKeyStore? store = null;
        await using var cluster = await QuotaCluster.StartAsync(redis, new Dictionary<string, string?> { ["AuthQuota:ApiKeys"] = Key }, services: s =>
            s.Replace(ServiceDescriptor.Singleton<IKeyStore>(sp => store = new GatedKeyStore(ActivatorUtilities.CreateInstance<RedisKeyStore>(sp)))));
        var client = cluster[0];
        Assert.True((await client.AuthorizeAsync(Key)).Allowed);

        // Redis comes back empty, and this replica is slow to write API_KEYS back.
        store!.SyncGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.KillAsync();
        await redis.RestartAsync();
        await Wait.UntilAsync(async () =>
        {
            using var health = await client.Http.GetAsync("/health");
            return await health.Content.ReadAsStringAsync() == "Healthy";
        }, TimeSpan.FromSeconds(30), "auth-quota is connected to the restarted Redis");
        var whileRebuilding = new List<AuthorizeDecision>();
        for (var i = 0; i < 5; i++)
        {
            whileRebuilding.Add(await client.AuthorizeAsync(Key));
        }

        store.SyncGate.SetResult();
        await Wait.UntilAsync(async () => (await client.AuthorizeAsync(Key)).Allowed, TimeSpan.FromSeconds(30), "the key is valid again once API_KEYS is back");

        Assert.All(whileRebuilding, d =>
        {
            Assert.Equal(503, d.Status);
            Assert.Equal(1000, d.RetryAfterMs);
        });
    }

    [Fact]
    public async Task RedisFlushedWithoutAReconnect_KeysWrittenBackAndNever401()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await QuotaCluster.StartAsync(redis, new Dictionary<string, string?> { ["AuthQuota:ApiKeys"] = Key });
        var client = cluster[0];
        Assert.True((await client.AuthorizeAsync(Key)).Allowed);

        await redis.FlushAllAsync();

        // Past the replica's key cache (its clock is frozen in these tests).
        cluster.Time.Advance(TimeSpan.FromSeconds(5));
        var decisions = new List<AuthorizeDecision>();
        await Wait.UntilAsync(async () =>
        {
            var decision = await client.AuthorizeAsync(Key);
            decisions.Add(decision);
            return decision.Allowed;
        }, TimeSpan.FromSeconds(30), "the keys are written back after a lookup found them gone");

        Assert.DoesNotContain(decisions, d => d.Status == 401);
    }

    [Fact]
    public async Task RedisKilled_FailOpen_LocalLimitsForABoundedTimeThenRefuses()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await QuotaCluster.StartAsync(redis, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:RequestsPerMinute"] = "3",
            ["AuthQuota:StoreFailureMode"] = "FailOpen",
            ["AuthQuota:FailOpenFor"] = "00:02:00",
        });
        var client = cluster[0];
        var (_, adminKey) = await client.CreateKeyAsync("""{"tenant":"acme"}""");
        Assert.True((await client.AuthorizeAsync(Key)).Allowed);

        await redis.KillAsync();
        var local = new[] { await client.AuthorizeAsync(Key), await client.AuthorizeAsync(Key), await client.AuthorizeAsync(Key) };
        var overLocalLimit = await client.AuthorizeAsync(Key);
        using var settleLocal = await client.SettleAsync(local[0].ReservationId, 1, 1);
        var neverSeen = await client.AuthorizeAsync("sk-aicdn-never-seen-by-this-replica");
        cluster.Time.Advance(TimeSpan.FromMinutes(2));
        var pastTheBound = await client.AuthorizeAsync(Key);

        Assert.All(local, d => Assert.True(d.Allowed));
        Assert.False(overLocalLimit.Allowed);
        Assert.Equal(429, overLocalLimit.Status);
        Assert.Equal(HttpStatusCode.NoContent, settleLocal.StatusCode);
        Assert.Equal(503, neverSeen.Status);
        Assert.Equal(503, pastTheBound.Status);
        Assert.Equal("quota_store_unavailable", pastTheBound.Error!.Code);

        await redis.RestartAsync();
        await Wait.UntilAsync(async () => (await client.AuthorizeAsync(Key)).Allowed, TimeSpan.FromSeconds(30), "authorisation uses Redis again after it restarted");

        // The admin key lived only in the Redis that was lost (no persistence in this test).
        Assert.Equal("invalid_api_key", (await client.AuthorizeAsync(adminKey)).Error!.Code);
    }

    [Fact]
    public async Task RedisDownAtStartUp_ServiceStartsAndUsesRedisOnceItAnswers()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.KillAsync();
        await using var cluster = await QuotaCluster.StartAsync(redis, new Dictionary<string, string?> { ["AuthQuota:ApiKeys"] = Key });
        var client = cluster[0];

        var down = await client.AuthorizeAsync(Key);
        await redis.RestartAsync();

        Assert.Equal(503, down.Status);
        await Wait.UntilAsync(async () => (await client.AuthorizeAsync(Key)).Allowed, TimeSpan.FromSeconds(30), "API_KEYS is written to Redis once it answers");
        var decision = await client.AuthorizeAsync(Key);
        Assert.Equal("key_" + ApiKeyHash.Compute(Key)[..16], decision.KeyId);
    }
}
