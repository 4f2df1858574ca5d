using System.Net;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AiCdn.AuthQuota.Tests;

/// <summary>
/// A settlement may name the key and tenant of its decision (core-relay does): a Redis store then
/// settles in one round trip instead of first reading the reservation's pointer. The route is only
/// a hint: a wrong or unsafe one settles the right reservation all the same, and one from another
/// UTC day is not used for that day's counters.
/// </summary>
public sealed class SettleRouteTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Key = "sk-aicdn-settle-route-key-0001";

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Settle_WithTheDecisionsRoute_ChargesTheRealFigure(StoreKind store)
    {
        await using var cluster = await StartAsync(store);
        var client = cluster[0];

        var reserved = await client.AuthorizeAsync(Key, tokens: 1000);
        using var settled = await client.SettleAsync(reserved.ReservationId, 100, 200, keyId: reserved.KeyId, tenant: reserved.Tenant);
        using var again = await client.SettleAsync(reserved.ReservationId, 5000, 5000, keyId: reserved.KeyId, tenant: reserved.Tenant);

        Assert.Equal(HttpStatusCode.NoContent, settled.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        await AssertUsedAsync(client, reserved.KeyId!, 300);
    }

    [Theory]
    [InlineData(StoreKind.Redis, "wrong-key")]
    [InlineData(StoreKind.Redis, "wrong-tenant")]
    [InlineData(StoreKind.Redis, "unsafe-tenant")]
    [InlineData(StoreKind.Memory, "wrong-key")]
    [InlineData(StoreKind.Memory, "wrong-tenant")]
    public async Task Settle_WithAWrongRoute_StillSettlesTheReservation(StoreKind store, string route)
    {
        await using var cluster = await StartAsync(store);
        var client = cluster[0];
        var other = await client.AuthorizeAsync(Key, tokens: 10);
        var reserved = await client.AuthorizeAsync(Key, tokens: 1000);
        var (keyId, tenant) = route switch
        {
            "wrong-key" => ("key_0000000000000000", reserved.Tenant),
            "wrong-tenant" => (reserved.KeyId, "another-tenant"),
            _ => (reserved.KeyId, "{" + reserved.Tenant + "}"),
        };

        using var settled = await client.SettleAsync(reserved.ReservationId, 100, 200, keyId: keyId, tenant: tenant);

        Assert.Equal(HttpStatusCode.NoContent, settled.StatusCode);
        await AssertUsedAsync(client, reserved.KeyId!, 310);
    }

    [Fact]
    public async Task Settle_WithTheRoute_DoesNotReadThePointer()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var cluster = await StartAsync(StoreKind.Redis, keyPrefix: prefix);
        var client = cluster[0];
        var routed = await client.AuthorizeAsync(Key, tokens: 1000);
        var looked = await client.AuthorizeAsync(Key, tokens: 1000);
        await DeletePointersAsync(prefix, routed.ReservationId, looked.ReservationId);

        using var withRoute = await client.SettleAsync(routed.ReservationId, 100, 0, keyId: routed.KeyId, tenant: routed.Tenant);
        using var withoutRoute = await client.SettleAsync(looked.ReservationId, 100, 0);

        // Only the routed settlement could do without the pointer; the other is not found (and its
        // estimate stays charged until its reservation expires).
        Assert.Equal(HttpStatusCode.NoContent, withRoute.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withoutRoute.StatusCode);
        await AssertUsedAsync(client, routed.KeyId!, 1100);
    }

    [Fact]
    public async Task Settle_AfterUtcMidnight_TheRouteIsNotUsedForTheNewDaysCounters()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        var lateEvening = new DateTimeOffset(2031, 3, 14, 23, 59, 30, TimeSpan.Zero);
        await using var cluster = await StartAsync(StoreKind.Redis, keyPrefix: prefix, start: lateEvening);
        var client = cluster[0];
        var yesterday = await client.AuthorizeAsync(Key, tokens: 1000);
        var beforeMidnight = await client.AuthorizeAsync(Key, tokens: 1000);
        await DeletePointersAsync(prefix, yesterday.ReservationId, beforeMidnight.ReservationId);

        using var sameDay = await client.SettleAsync(beforeMidnight.ReservationId, 10, 0, keyId: beforeMidnight.KeyId, tenant: beforeMidnight.Tenant);
        cluster.Time.Advance(TimeSpan.FromSeconds(60));
        using var nextDay = await client.SettleAsync(yesterday.ReservationId, 10, 0, keyId: yesterday.KeyId, tenant: yesterday.Tenant);

        // The route names today's day counters; the reservation was charged to yesterday's. Without
        // its pointer nothing says where yesterday's are, so it is not settled into today's.
        Assert.Equal(HttpStatusCode.NoContent, sameDay.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, nextDay.StatusCode);
        var usage = (await client.UsageAsync(yesterday.KeyId!)).GetProperty("key");
        Assert.Equal(0, usage.GetProperty("tokens_today").GetProperty("used").GetInt64());
    }

    /// <summary>Deletes the reservations' pointers in Redis (each must exist), so only a route can find them.</summary>
    private async Task DeletePointersAsync(string prefix, params string[] reservationIds)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var db = connection.GetDatabase();
        foreach (var id in reservationIds)
        {
            Assert.True(await db.KeyDeleteAsync((RedisKey)$"{prefix}:res:{{{id}}}"), $"no pointer for reservation {id}");
        }
    }

    private static async Task AssertUsedAsync(QuotaClient client, string keyId, long tokens)
    {
        var usage = (await client.UsageAsync(keyId)).GetProperty("key");
        Assert.Equal(tokens, usage.GetProperty("tokens_per_minute").GetProperty("used").GetInt64());
        Assert.Equal(tokens, usage.GetProperty("tokens_today").GetProperty("used").GetInt64());
    }

    private Task<QuotaCluster> StartAsync(StoreKind store, string? keyPrefix = null, DateTimeOffset? start = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:TokensPerMinute"] = "100000",
            ["AuthQuota:DefaultLimits:TokensPerDay"] = "1000000",
        };
        var time = new FakeTimeProvider(start ?? QuotaCluster.Start);
        return store == StoreKind.Redis
            ? QuotaCluster.StartAsync(redis.Server, settings, replicas: 1, time: time, keyPrefix: keyPrefix)
            : QuotaCluster.StartAsync(null, settings, replicas: 1, time: time);
    }
}
