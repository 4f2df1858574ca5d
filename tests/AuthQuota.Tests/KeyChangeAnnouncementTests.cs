using AiCdn.AuthQuota.Keys.Redis;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace AiCdn.AuthQuota.Tests;

/// <summary>
/// When a declarative sync announces <c>*</c> (every core drops every key context it holds): only
/// when the store changed. A replica that starts with the same API_KEYS, keys file and tenants as the
/// last sync announces nothing, so a rolling restart of auth-quota leaves the cores' contexts alone.
/// </summary>
public sealed class KeyChangeAnnouncementTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Key = "sk-aicdn-announce-key-0001";
    private const string OtherKey = "sk-aicdn-announce-key-0002";

    [Fact]
    public async Task ReplicaStarting_SameSourcesAnnounceNothing_OtherTenantLimitsOrKeysAnnounceEverything()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var listener = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var channel = RedisChannel.Literal(KeyChangeChannel.Name(prefix));
        var messages = await listener.GetSubscriber().SubscribeAsync(channel);

        // An empty store: the first replica's sync writes the key and announces it.
        await using var first = await QuotaCluster.StartAsync(redis.Server, Settings(Key, tenantRpm: 100), keyPrefix: prefix);
        Assert.Equal(["*"], await MessagesUntilMarkerAsync(listener, channel, messages));

        // Same key, same tenants: nothing changed, nothing announced.
        await using (await StartReplicaAsync(first, prefix, Settings(Key, tenantRpm: 100)))
        {
            Assert.Empty(await MessagesUntilMarkerAsync(listener, channel, messages));
        }

        // A tenant's limit differs: contexts carry tenant limits, so every core must drop them.
        await using (await StartReplicaAsync(first, prefix, Settings(Key, tenantRpm: 5)))
        {
            Assert.Equal(["*"], await MessagesUntilMarkerAsync(listener, channel, messages));
        }

        // Another key listed instead: the first is removed from the store, which is a change.
        await using (await StartReplicaAsync(first, prefix, Settings(OtherKey, tenantRpm: 5)))
        {
            Assert.Equal(["*"], await MessagesUntilMarkerAsync(listener, channel, messages));
        }

        // And the same again: nothing.
        await using (await StartReplicaAsync(first, prefix, Settings(OtherKey, tenantRpm: 5)))
        {
            Assert.Empty(await MessagesUntilMarkerAsync(listener, channel, messages));
        }
    }

    [Fact]
    public async Task ReservationTtlReloadedAtRunTime_SyncedAgainAndAnnounced()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var listener = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var channel = RedisChannel.Literal(KeyChangeChannel.Name(prefix));
        var messages = await listener.GetSubscriber().SubscribeAsync(channel);
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Settings(Key, tenantRpm: 100), keyPrefix: prefix);
        Assert.Equal(["*"], await MessagesUntilMarkerAsync(listener, channel, messages));

        // Contexts carry the reservation TTL: a new one must reach the cores (the next poll, within 5 s).
        var configuration = (IConfigurationRoot)cluster.Service<IConfiguration>();
        configuration["AuthQuota:ReservationTtl"] = "00:03:00";
        configuration.Reload();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("*", (string)(await messages.ReadAsync(timeout.Token)).Message!);
    }

    private Task<QuotaCluster> StartReplicaAsync(QuotaCluster first, string prefix, Dictionary<string, string?> settings) =>
        QuotaCluster.StartAsync(redis.Server, settings, time: first.Time, keyPrefix: prefix);

    /// <summary>
    /// Publishes a marker and returns what arrived on the channel before it. A replica's start-up sync
    /// has returned before its start does, and Redis delivers a channel's messages in the order they
    /// were published, so anything the sync announced arrives before the marker.
    /// </summary>
    private static async Task<List<string>> MessagesUntilMarkerAsync(ConnectionMultiplexer listener, RedisChannel channel, ChannelMessageQueue messages)
    {
        var marker = KeyChangeChannel.ProbePrefix + Guid.NewGuid().ToString("N");
        await listener.GetSubscriber().PublishAsync(channel, marker);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var before = new List<string>();
        while (true)
        {
            var text = (string)(await messages.ReadAsync(timeout.Token)).Message!;
            if (text == marker)
            {
                return before;
            }

            before.Add(text);
        }
    }

    private static Dictionary<string, string?> Settings(string key, long tenantRpm) => new()
    {
        ["AuthQuota:ApiKeys"] = key,
        ["AuthQuota:Tenants:default:RequestsPerMinute"] = tenantRpm.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
