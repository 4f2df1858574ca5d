using AiCdn.Quota.Keys;
using AiCdn.Quota.Storage;

namespace AiCdn.AuthQuota.Keys.Redis;

/// <summary>
/// Listens for key changes announced by any replica and evicts them from this replica's
/// <see cref="KeyRecordCache"/>. Messages sent while the link was down are lost, so the whole cache
/// is dropped when Redis or the subscription link comes back.
/// </summary>
public sealed partial class KeyCacheInvalidation(RedisConnection redis, KeyRecordCache cache, ILogger<KeyCacheInvalidation> logger) : IHostedService
{
    private volatile bool _subscribed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.AnyLinkRestored += OnRestored;
        _ = SubscribeAsync();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        redis.AnyLinkRestored -= OnRestored;
        return Task.CompletedTask;
    }

    private void OnRestored()
    {
        cache.Clear();
        if (!_subscribed)
        {
            _ = SubscribeAsync();
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await redis.SubscribeAsync(KeyChangeChannel.Name(redis.KeyPrefix), message =>
            {
                if (message == KeyChangeChannel.Everything)
                {
                    cache.Clear();
                }
                else if (!message.IsNullOrEmpty && !message.StartsWith(KeyChangeChannel.ProbePrefix))
                {
                    cache.Evict(message!);
                }
            });
            _subscribed = true;
        }
        catch (QuotaStoreUnavailableException)
        {
            // Redis is down; OnRestored subscribes when it is back (the cache TTL bounds staleness meanwhile).
            LogSubscribeDeferred(logger);
        }
    }

    [LoggerMessage(EventId = 50, EventName = "KeyChangeSubscriptionDeferred", Level = LogLevel.Warning, Message = "Cannot subscribe to key changes yet (Redis is down); cached key records expire after AuthQuota:KeyCacheTtl meanwhile.")]
    private static partial void LogSubscribeDeferred(ILogger logger);
}
