using AiCdn.Quota.Decisions;
using AiCdn.Quota.Redis;

namespace AiCdn.CoreRelay.Quota;

/// <summary>
/// The Redis quota store this core found to be auth-quota's (same prefix and store id, read through
/// its own connection): counters changed here are the ones auth-quota keeps.
/// </summary>
internal sealed class VerifiedQuotaStore(string prefix, string storeId, RedisQuotaStore quota)
{
    public string Prefix { get; } = prefix;

    public RedisQuotaStore Quota { get; } = quota;

    /// <summary>The reservation TTL of the newest context held, which settles and renews use.</summary>
    public TimeSpan ReservationTtl { get; set; }

    /// <summary>Whether <paramref name="context"/> was built on this store; only those are decided with here.</summary>
    public bool Matches(KeyContext context) => context.StoreId == storeId && context.StorePrefix == Prefix;
}
