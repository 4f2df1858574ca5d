using AiCdn.Quota.Storage;

namespace AiCdn.AuthQuota.Storage;

/// <summary>Says at start-up which store holds keys and limits, so an operator never has to guess.</summary>
public sealed partial class QuotaStoreAnnouncement(ILogger<QuotaStoreAnnouncement> logger, RedisConnection? redis = null) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (redis is null)
        {
            LogInMemory(logger);
        }
        else
        {
            LogRedis(logger, redis.Endpoints, redis.KeyPrefix);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 40, EventName = "QuotaStoreInMemory", Level = LogLevel.Information, Message = "Quota store: in memory (no ConnectionStrings:redis); limits are exact for this one auth-quota replica only.")]
    private static partial void LogInMemory(ILogger logger);

    [LoggerMessage(EventId = 41, EventName = "QuotaStoreRedis", Level = LogLevel.Information, Message = "Quota store: Redis at {Endpoints} (key prefix '{KeyPrefix}'); limits are shared by every auth-quota replica using it.")]
    private static partial void LogRedis(ILogger logger, string endpoints, string keyPrefix);
}
