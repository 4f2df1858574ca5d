using System.Collections.Concurrent;

namespace AiCdn.AuthQuota.Keys;

/// <summary>Single-node key store. Lookups are dictionary probes by digest, so their time does not depend on which keys exist.</summary>
public sealed class InMemoryKeyStore : IKeyStore
{
    private readonly ConcurrentDictionary<string, ApiKeyRecord> _byHash = new(StringComparer.Ordinal);

    public ValueTask<ApiKeyRecord?> FindByHashAsync(string hash, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_byHash.TryGetValue(hash, out var key) ? key : null);

    public ValueTask AddAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        _byHash[key.Hash] = key;
        return ValueTask.CompletedTask;
    }
}
