namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// Where API keys live, looked up by digest. A digest lookup is a hash-table probe on a SHA-256
/// value, so its time says nothing about which keys exist (an attacker cannot steer digests toward
/// a stored one). Implementations throw <see cref="Storage.QuotaStoreUnavailableException"/> when
/// the store cannot answer.
/// </summary>
public interface IKeyStore
{
    ValueTask<ApiKeyRecord?> FindByHashAsync(string hash, CancellationToken cancellationToken);

    ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds a key; false when its id or digest is taken.</summary>
    ValueTask<bool> CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Replaces a key if it is still at <paramref name="expectedVersion"/>.</summary>
    ValueTask<KeyUpdateResult> UpdateAsync(ApiKeyRecord key, long expectedVersion, CancellationToken cancellationToken);

    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Makes the store hold exactly <paramref name="keys"/> for <paramref name="source"/>, in one atomic step.</summary>
    ValueTask<KeySyncResult> SyncSourceAsync(string source, IReadOnlyList<ApiKeyRecord> keys, CancellationToken cancellationToken);

    /// <summary>Records that every declarative source is in the store (see <see cref="IsRebuildingAsync"/>).</summary>
    ValueTask MarkSourcesSyncedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether the store has lost its keys and the declarative sources are not back in it yet (a
    /// Redis restarted without persistence, or flushed): a key not found now may well exist, so
    /// the answer is "try again shortly", never "invalid key".
    /// </summary>
    ValueTask<bool> IsRebuildingAsync(CancellationToken cancellationToken);
}
