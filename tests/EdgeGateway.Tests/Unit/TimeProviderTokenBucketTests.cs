using System.Net;
using System.Threading.RateLimiting;
using AiCdn.EdgeGateway.Protection;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class TimeProviderTokenBucketTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public void AttemptAcquire_BurstSpent_RefusesWithRetryAfterUntilTimeAdvances()
    {
        using var bucket = new TimeProviderTokenBucket(tokenLimit: 3, tokensPerSecond: 2, _time);
        for (var i = 0; i < 3; i++)
        {
            using var granted = bucket.AttemptAcquire();
            Assert.True(granted.IsAcquired);
        }

        using var refused = bucket.AttemptAcquire();
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(500), wait);

        _time.Advance(TimeSpan.FromMilliseconds(499));
        using (var early = bucket.AttemptAcquire())
        {
            Assert.False(early.IsAcquired);
        }

        _time.Advance(TimeSpan.FromMilliseconds(1));
        using var admitted = bucket.AttemptAcquire();
        Assert.True(admitted.IsAcquired);
    }

    [Fact]
    public void AttemptAcquire_LongIdle_RefillsOnlyToCapacity()
    {
        using var bucket = new TimeProviderTokenBucket(tokenLimit: 2, tokensPerSecond: 10, _time);
        bucket.AttemptAcquire(2).Dispose();
        _time.Advance(TimeSpan.FromHours(1));

        Assert.True(bucket.AttemptAcquire(2).IsAcquired);
        Assert.False(bucket.AttemptAcquire().IsAcquired);
    }

    [Fact]
    public void IdleDuration_FullBucket_CountsFromLastAcquire()
    {
        using var bucket = new TimeProviderTokenBucket(tokenLimit: 1, tokensPerSecond: 1, _time);
        bucket.AttemptAcquire().Dispose();
        Assert.Null(bucket.IdleDuration);

        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(3), bucket.IdleDuration);
    }

    [Fact]
    public void ClientIpRateLimiter_TwoClients_LimitedSeparatelyAndIdleOnesDropped()
    {
        using var limiter = new ClientIpRateLimiter(tokenLimit: 1, tokensPerSecond: 1, _time);
        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("192.0.2.2");

        Assert.True(limiter.AttemptAcquire(a).IsAcquired);
        Assert.False(limiter.AttemptAcquire(a).IsAcquired);
        Assert.True(limiter.AttemptAcquire(b).IsAcquired);
        Assert.Equal(2, limiter.Partitions);

        _time.Advance(TimeSpan.FromMinutes(2));
        limiter.RemoveIdle(TimeSpan.FromMinutes(1));

        Assert.Equal(0, limiter.Partitions);
    }

    [Fact]
    public void ClientIpConcurrencyLimiter_LeaseReleased_AdmitsAgain()
    {
        using var limiter = new ClientIpConcurrencyLimiter(permitLimit: 1);
        var client = IPAddress.Parse("198.51.100.9");

        var held = limiter.AttemptAcquire(client);
        Assert.True(held.IsAcquired);
        Assert.False(limiter.AttemptAcquire(client).IsAcquired);

        held.Dispose();
        using var again = limiter.AttemptAcquire(client);
        Assert.True(again.IsAcquired);
    }
}
