using AiCdn.AuthQuota.Keys;
using AiCdn.Quota;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.AuthQuota.Tests;

public sealed class KeyRecordCacheTests
{
    private static readonly ApiKeyRecord s_key = new("key_0123456789abcdef", new string('a', 64), "acme", "k", true, null, null, KeyLimits.None, KeySources.Admin);

    [Fact]
    public void TryGet_OlderThanTheTtl_Misses()
    {
        var time = new FakeTimeProvider();
        var cache = Create(time, "127.0.0.1:6379");
        cache.Set(s_key.Hash, s_key, cache.BeginRead());

        Assert.True(cache.TryGet(s_key.Hash, out _));
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.True(cache.TryGet(s_key.Hash, out _));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.TryGet(s_key.Hash, out _));
    }

    [Fact]
    public void Evict_CachedKey_Misses()
    {
        var cache = Create(new FakeTimeProvider(), "127.0.0.1:6379");
        cache.Set(s_key.Hash, s_key, cache.BeginRead());

        cache.Evict(s_key.Hash);

        Assert.False(cache.TryGet(s_key.Hash, out _));
    }

    [Fact]
    public void Set_ReadBeganBeforeAnEviction_NotStored()
    {
        var cache = Create(new FakeTimeProvider(), "127.0.0.1:6379");
        var read = cache.BeginRead();

        // The key changed (and was evicted) while the read was on its way: its answer may be the old record.
        cache.Evict(s_key.Hash);
        cache.Set(s_key.Hash, s_key, read);

        Assert.False(cache.TryGet(s_key.Hash, out _));
        cache.Set(s_key.Hash, s_key, cache.BeginRead());
        Assert.True(cache.TryGet(s_key.Hash, out _));
    }

    [Fact]
    public void Set_SlowRead_AgeCountsFromWhenTheReadBegan()
    {
        var time = new FakeTimeProvider();
        var cache = Create(time, "127.0.0.1:6379");
        var read = cache.BeginRead();
        time.Advance(TimeSpan.FromMilliseconds(400));

        cache.Set(s_key.Hash, s_key, read);
        time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.False(cache.TryGet(s_key.Hash, out _));
    }

    [Fact]
    public void Set_WithoutRedis_CachesNothing()
    {
        var cache = Create(new FakeTimeProvider(), null);
        cache.Set(s_key.Hash, s_key, cache.BeginRead());

        Assert.False(cache.Enabled);
        Assert.False(cache.TryGet(s_key.Hash, out _));
    }

    private static KeyRecordCache Create(TimeProvider time, string? redis) => new(
        time,
        Options.Create(new AuthQuotaOptions()),
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:redis"] = redis }).Build());
}
