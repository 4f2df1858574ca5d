namespace AiCdn.AuthQuota.Keys;

/// <summary>Single-node key store with the Redis store's semantics; one lock keeps its two indexes consistent.</summary>
public sealed class InMemoryKeyStore : IKeyStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ApiKeyRecord> _byHash = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _hashById = new(StringComparer.Ordinal);

    public ValueTask<ApiKeyRecord?> FindByHashAsync(string hash, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_byHash.GetValueOrDefault(hash));
        }
    }

    public ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_hashById.TryGetValue(id, out var hash) ? _byHash.GetValueOrDefault(hash) : null);
        }
    }

    public ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<ApiKeyRecord>>([.. _byHash.Values]);
        }
    }

    public ValueTask<bool> CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_hashById.ContainsKey(key.Id) || _byHash.ContainsKey(key.Hash))
            {
                return ValueTask.FromResult(false);
            }

            _byHash[key.Hash] = key;
            _hashById[key.Id] = key.Hash;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<KeyUpdateResult> UpdateAsync(ApiKeyRecord key, long expectedVersion, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_hashById.TryGetValue(key.Id, out var hash) || !_byHash.TryGetValue(hash, out var current))
            {
                return ValueTask.FromResult(KeyUpdateResult.NotFound);
            }

            if (current.Version != expectedVersion)
            {
                return ValueTask.FromResult(KeyUpdateResult.Conflict);
            }

            _byHash[hash] = key with { Hash = hash };
            return ValueTask.FromResult(KeyUpdateResult.Updated);
        }
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_hashById.Remove(id, out var hash))
            {
                return ValueTask.FromResult(false);
            }

            _byHash.Remove(hash);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<KeySyncResult> SyncSourceAsync(string source, IReadOnlyList<ApiKeyRecord> keys, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var keep = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                keep.Add(key.Hash);
                if (_byHash.TryGetValue(key.Hash, out var previous) && previous.Id != key.Id)
                {
                    _hashById.Remove(previous.Id);
                }

                _byHash[key.Hash] = key;
                _hashById[key.Id] = key.Hash;
            }

            var removed = 0;
            foreach (var stale in _byHash.Values.Where(k => k.Source == source && !keep.Contains(k.Hash)).ToList())
            {
                _byHash.Remove(stale.Hash);
                _hashById.Remove(stale.Id);
                removed++;
            }

            return ValueTask.FromResult(new KeySyncResult(keys.Count, removed));
        }
    }

    /// <summary>Memory is never lost while the process runs.</summary>
    public ValueTask MarkSourcesSyncedAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<bool> IsRebuildingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
