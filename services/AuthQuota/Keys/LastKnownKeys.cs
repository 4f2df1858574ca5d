using System.Collections.Concurrent;

namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// The keys this replica has seen recently (every successful lookup, and every key of its declarative
/// sources). Used only while the shared store is down and the failure mode is fail-open: a key
/// seen before keeps working under local limits; a key never seen cannot be vouched for.
/// </summary>
public sealed class LastKnownKeys
{
    private readonly ConcurrentDictionary<string, ApiKeyRecord> _byHash = new(StringComparer.Ordinal);

    public void Remember(string hash, ApiKeyRecord? key)
    {
        if (key is null)
        {
            _byHash.TryRemove(hash, out _);
        }
        else
        {
            _byHash[hash] = key;
        }
    }

    public ApiKeyRecord? Find(string hash) => _byHash.GetValueOrDefault(hash);
}
