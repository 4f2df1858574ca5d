using AiCdn.Quota.Decisions;
using AiCdn.Quota.Redis;
using AiCdn.Quota.Storage;

namespace AiCdn.CoreRelay.Quota;

/// <summary>
/// Checks that the Redis this core reaches is the store a key context names (its store id, read
/// through this core's own connection), so the core never keeps counters auth-quota does not see.
/// </summary>
public sealed partial class QuotaStoreVerifier(RedisConnection redis, TimeProvider time, ILogger<QuotaStoreVerifier> logger)
{
    private static readonly TimeSpan s_recheckAfter = TimeSpan.FromSeconds(30);

    private volatile VerifiedQuotaStore? _verified;
    private volatile Rejected? _rejected;

    /// <summary>The store last verified; null until one is.</summary>
    internal VerifiedQuotaStore? Verified => _verified;

    /// <summary>
    /// The store <paramref name="context"/> names once it is verified to be auth-quota's; null when it
    /// is not (not asked again for <see cref="s_recheckAfter"/>) or Redis did not answer.
    /// </summary>
    internal async Task<VerifiedQuotaStore?> VerifyAsync(KeyContext context)
    {
        if (_rejected is { } rejected && rejected.Prefix == context.StorePrefix && rejected.StoreId == context.StoreId
            && time.GetElapsedTime(rejected.Timestamp) < s_recheckAfter)
        {
            return null;
        }

        var quota = new RedisQuotaStore(redis, context.StorePrefix);
        string? seen;
        try
        {
            seen = await quota.ReadStoreIdAsync();
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }

        if (seen != context.StoreId)
        {
            LogStoreMismatch(logger, redis.Endpoints, context.StorePrefix);
            _rejected = new Rejected(context.StorePrefix, context.StoreId, time.GetTimestamp());
            return null;
        }

        var store = new VerifiedQuotaStore(context.StorePrefix, context.StoreId, quota) { ReservationTtl = TimeSpan.FromMilliseconds(context.ReservationTtlMs) };
        _verified = store;
        LogStoreVerified(logger, redis.Endpoints, context.StorePrefix);
        return store;
    }

    [LoggerMessage(EventId = 20, EventName = "DirectQuotaVerified", Level = LogLevel.Information,
        Message = "Quota decisions are made here against Redis at {Endpoints} (prefix {Prefix}), the store auth-quota uses.")]
    private static partial void LogStoreVerified(ILogger logger, string endpoints, string prefix);

    [LoggerMessage(EventId = 21, EventName = "DirectQuotaStoreMismatch", Level = LogLevel.Warning,
        Message = "Redis at {Endpoints} is not the quota store auth-quota uses (prefix {Prefix}, store id differs); decisions stay with auth-quota. Give core-relay the same ConnectionStrings:redis as auth-quota.")]
    private static partial void LogStoreMismatch(ILogger logger, string endpoints, string prefix);

    private sealed record Rejected(string Prefix, string StoreId, long Timestamp);
}
