namespace AiCdn.Quota.Storage;

/// <summary>Bound from <c>AuthQuota:Redis</c>. The connection string itself is <c>ConnectionStrings:redis</c>.</summary>
public sealed class RedisStoreOptions
{
    /// <summary>Prefix of every Redis key auth-quota writes, so several deployments (or test runs) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "aicdn";

    /// <summary>How long one Redis command may take before the decision counts the store as unavailable.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one connection attempt may take (start-up waits at most this long for Redis).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
