using AiCdn.Quota.Storage;

namespace AiCdn.AuthQuota;

/// <summary>Bound from <c>AuthQuota</c>; validated at start-up by <see cref="AuthQuotaOptionsValidator"/>.</summary>
public sealed class AuthQuotaOptions
{
    public const string SectionName = "AuthQuota";

    /// <summary>
    /// Keys seeded at start-up, comma-separated (the original's <c>API_KEYS</c>). Only their SHA-256
    /// digests are kept. They get <see cref="DefaultTenant"/> and <see cref="DefaultLimits"/>.
    /// </summary>
    public string? ApiKeys { get; set; }

    /// <summary>The tenant <c>API_KEYS</c> keys belong to.</summary>
    public string DefaultTenant { get; set; } = "default";

    /// <summary>Limits of keys that name none (API_KEYS keys, and keys file or admin keys that leave a limit out).</summary>
    public LimitsOptions DefaultLimits { get; set; } = new();

    /// <summary>Tenants' own limits, by tenant name; the keys file can add more.</summary>
    public Dictionary<string, LimitsOptions> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A YAML file of tenants and keys, reloaded when it changes (<c>KEYS_FILE</c>).</summary>
    public string? KeysFile { get; set; }

    /// <summary>Bearer token of the admin API (<c>ADMIN_TOKEN</c>). Unset: the admin API answers 503.</summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// How long a reservation (and its stream lease) lives unsettled: a relay that crashed mid-request
    /// cannot hold a lease longer. Streams that last longer renew their reservation.
    /// </summary>
    public TimeSpan ReservationTtl { get; set; } = TimeSpan.FromMinutes(10);

    public StoreFailureMode StoreFailureMode { get; set; } = StoreFailureMode.FailClosed;

    /// <summary>In fail-open mode, how long after Redis stopped answering local limits may stand in for it.</summary>
    public TimeSpan FailOpenFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a replica may reuse a key record it read from Redis (0 turns the cache off). Changes
    /// evict it everywhere at once through a Redis channel; this bounds staleness if a message is lost.
    /// </summary>
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromMilliseconds(500);

    public RedisStoreOptions Redis { get; set; } = new();
}
