using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// Key records this replica read from Redis in the last <see cref="AuthQuotaOptions.KeyCacheTtl"/>,
/// so a decision needs one Redis round trip (the reservation) instead of two. A change made
/// through any replica is announced on a Redis channel and evicts the record everywhere at once;
/// the TTL bounds staleness when an announcement is lost (the issue allows one second). Only
/// existing keys are cached: unknown digests cannot fill it. Quota counters are never cached.
/// A record is stamped with when its read began (<see cref="BeginRead"/>), and one read before an
/// eviction or clear is not stored at all: a slow read can never put back what a change removed.
/// </summary>
public sealed class KeyRecordCache(TimeProvider time, IOptions<AuthQuotaOptions> options, IConfiguration configuration)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = options.Value.KeyCacheTtl;
    private long _evictions;

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

    /// <summary>Call before reading a record from the store; pass the result to <see cref="Set"/>.</summary>
    public ReadTicket BeginRead() => new(Interlocked.Read(ref _evictions), time.GetTimestamp());

    public void Set(string hash, ApiKeyRecord? key, ReadTicket read)
    {
        if (!Enabled)
        {
            return;
        }

        if (key is null)
        {
            _entries.TryRemove(hash, out _);
            return;
        }

        lock (_entries)
        {
            if (Interlocked.Read(ref _evictions) == read.Evictions)
            {
                _entries[hash] = new Entry(key, read.Started);
            }
        }
    }

    public void Evict(string hash)
    {
        lock (_entries)
        {
            Interlocked.Increment(ref _evictions);
            _entries.TryRemove(hash, out _);
        }
    }

    public void Clear()
    {
        lock (_entries)
        {
            Interlocked.Increment(ref _evictions);
            _entries.Clear();
        }
    }

    /// <summary>What <see cref="Set"/> needs to know about a read: the eviction count and time when it began.</summary>
    public readonly record struct ReadTicket(long Evictions, long Started);

    private sealed record Entry(ApiKeyRecord Key, long Timestamp);
}
