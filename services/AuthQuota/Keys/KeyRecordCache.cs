using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// Key records this replica read from Redis in the last <see cref="AuthQuotaOptions.KeyCacheTtl"/>,
/// so a decision needs one Redis round trip (the reservation) instead of two. A change made
/// through any replica is announced on a Redis channel and evicts the record everywhere at once;
/// the TTL bounds staleness when an announcement is lost (the issue allows one second). Only
/// existing keys are cached: unknown digests cannot fill it. Quota counters are never cached.
/// </summary>
public sealed class KeyRecordCache(TimeProvider time, IOptions<AuthQuotaOptions> options, IConfiguration configuration)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = options.Value.KeyCacheTtl;

    /// <summary>Only with Redis: the in-memory key store is as fast as a cache and never stale.</summary>
    public bool Enabled { get; } = options.Value.KeyCacheTtl > TimeSpan.Zero
        && !string.IsNullOrEmpty(configuration.GetConnectionString(Microsoft.Extensions.Hosting.AuthQuotaExtensions.RedisConnectionName));

    public bool TryGet(string hash, out ApiKeyRecord key)
    {
        key = null!;
        if (!Enabled || !_entries.TryGetValue(hash, out var entry))
        {
            return false;
        }

        if (time.GetElapsedTime(entry.Timestamp) >= _ttl)
        {
            _entries.TryRemove(KeyValuePair.Create(hash, entry));
            return false;
        }

        key = entry.Key;
        return true;
    }

    public void Set(string hash, ApiKeyRecord? key)
    {
        if (!Enabled)
        {
            return;
        }

        if (key is null)
        {
            _entries.TryRemove(hash, out _);
        }
        else
        {
            _entries[hash] = new Entry(key, time.GetTimestamp());
        }
    }

    public void Evict(string hash) => _entries.TryRemove(hash, out _);

    public void Clear() => _entries.Clear();

    private sealed record Entry(ApiKeyRecord Key, long Timestamp);
}
