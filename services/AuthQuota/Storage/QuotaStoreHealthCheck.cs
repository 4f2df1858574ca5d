using AiCdn.Quota.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiCdn.AuthQuota.Storage;

/// <summary>
/// Reports the Redis link as Degraded (not Unhealthy) when it is down: auth-quota still answers,
/// with a clear 503 decision or its fail-open limits, which beats being taken out of rotation.
/// </summary>
public sealed class QuotaStoreHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await redis.PingAsync(cancellationToken)
            ? HealthCheckResult.Healthy("Redis answers.")
            : HealthCheckResult.Degraded("Redis does not answer; decisions follow AuthQuota:StoreFailureMode.");
}
