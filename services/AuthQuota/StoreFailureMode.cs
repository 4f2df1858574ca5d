namespace AiCdn.AuthQuota;

/// <summary>What decisions do while the shared store (Redis) cannot answer.</summary>
public enum StoreFailureMode
{
    /// <summary>Refuse with 503 <c>quota_store_unavailable</c>: no request goes out unaccounted.</summary>
    FailClosed,

    /// <summary>
    /// For at most <see cref="AuthQuotaOptions.FailOpenFor"/>, decide with limits kept in this replica's
    /// memory (each replica admits up to the full limit on its own), for keys this replica knows.
    /// </summary>
    FailOpen,
}
