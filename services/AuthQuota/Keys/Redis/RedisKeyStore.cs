using System.Text.Json;
using AiCdn.AuthQuota.Storage;
using AiCdn.Quota.Keys;
using AiCdn.Quota.Storage;
using StackExchange.Redis;

namespace AiCdn.AuthQuota.Keys.Redis;

/// <summary>
/// API keys in Redis, so every auth-quota replica sees an admin change at once: a hash from digest
/// to the key's JSON record, a hash from id to digest, and one set of digests per declarative
/// source. All share the hash tag <c>{prefix:keys}</c>, so the scripts touching several of them run
/// on one Redis Cluster slot. The script that changes or removes a key also announces it on
/// <see cref="KeyChangeChannel"/> (a sync announces everything), so no stored change goes unannounced;
/// this replica evicts its own cached copy as soon as the script returns.
/// </summary>
public sealed class RedisKeyStore(RedisConnection redis, KeyRecordCache cache) : IKeyStore
{
    private readonly string _changes = KeyChangeChannel.Name(redis.KeyPrefix);

    private readonly RedisKey[] _indexes = [$"{{{redis.KeyPrefix}:keys}}:by-hash", $"{{{redis.KeyPrefix}:keys}}:by-id"];

    private RedisKey ByHash => _indexes[0];

    public async ValueTask<ApiKeyRecord?> FindByHashAsync(string hash, CancellationToken cancellationToken) =>
        Parse(await redis.ExecuteAsync("key_lookup", db => db.HashGetAsync(ByHash, hash)));

    public async ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken)
    {
        var result = await redis.ExecuteAsync("key_read", db => LuaScripts.KeysFindById.EvaluateAsync(db, _indexes, [id]));
        return result.IsNull ? null : Parse((RedisValue)result);
    }

    public async ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var values = await redis.ExecuteAsync("key_list", db => db.HashValuesAsync(ByHash));
        return [.. values.Select(Parse).OfType<ApiKeyRecord>()];
    }

    public async ValueTask<bool> CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        (int)await redis.ExecuteAsync("key_write", db => LuaScripts.KeysCreate.EvaluateAsync(db, _indexes, [key.Hash, key.Id, Serialize(key)])) == 1;

    public async ValueTask<KeyUpdateResult> UpdateAsync(ApiKeyRecord key, long expectedVersion, CancellationToken cancellationToken)
    {
        var result = (int)await redis.ExecuteAsync("key_write", db => LuaScripts.KeysUpdate.EvaluateAsync(db, _indexes, [key.Id, expectedVersion, Serialize(key), _changes]));
        if (result == 1)
        {
            cache.Evict(key.Hash);
        }

        return result switch
        {
            1 => KeyUpdateResult.Updated,
            2 => KeyUpdateResult.Conflict,
            _ => KeyUpdateResult.NotFound,
        };
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var digest = await redis.ExecuteAsync("key_write", db => LuaScripts.KeysDelete.EvaluateAsync(db, _indexes, [id, _changes]));
        if (digest.IsNull)
        {
            return false;
        }

        cache.Evict((string)digest!);
        return true;
    }

    public async ValueTask<KeySyncResult> SyncSourceAsync(string source, IReadOnlyList<ApiKeyRecord> keys, CancellationToken cancellationToken)
    {
        RedisKey[] scriptKeys =
        [
            .. _indexes,
            SourceSet(source),
            .. new[] { KeySources.ApiKeys, KeySources.File }.Where(s => s != source).Select(SourceSet),
        ];
        var args = new List<RedisValue>(2 + (keys.Count * 3)) { source, _changes };
        foreach (var key in keys)
        {
            args.Add(key.Hash);
            args.Add(key.Id);
            args.Add(Serialize(key));
        }

        var result = (RedisResult[])(await redis.ExecuteAsync("key_sync", db => LuaScripts.KeysSync.EvaluateAsync(db, scriptKeys, [.. args])))!;
        cache.Clear();
        return new KeySyncResult((int)result[0], (int)result[1]);
    }

    /// <summary>Raised when a lookup finds the sync marker gone, so the declarative sources are written back without waiting for a reconnect.</summary>
    public event Action? KeysLost;

    public async ValueTask MarkSourcesSyncedAsync(CancellationToken cancellationToken) =>
        await redis.ExecuteAsync("key_sync", db => db.StringSetAsync(SyncedMarker, "1"));

    /// <summary>
    /// The marker is written after every declarative source is synced and lives with the keys, so a
    /// Redis that comes back empty (no persistence, a flush, a failover to an empty replica) has
    /// neither: until some replica has written the sources back, a missing key proves nothing.
    /// </summary>
    public async ValueTask<bool> IsRebuildingAsync(CancellationToken cancellationToken)
    {
        var rebuilding = !await redis.ExecuteAsync("key_lookup", db => db.KeyExistsAsync(SyncedMarker));
        if (rebuilding)
        {
            KeysLost?.Invoke();
        }

        return rebuilding;
    }

    private RedisKey SyncedMarker => $"{{{redis.KeyPrefix}:keys}}:sources-synced";

    private RedisKey SourceSet(string source) => $"{{{redis.KeyPrefix}:keys}}:source:{source}";

    private static string Serialize(ApiKeyRecord key) => JsonSerializer.Serialize(key, AuthQuotaJsonContext.Default.ApiKeyRecord);

    private static ApiKeyRecord? Parse(RedisValue value) =>
        value.IsNullOrEmpty ? null : JsonSerializer.Deserialize((string)value!, AuthQuotaJsonContext.Default.ApiKeyRecord);
}
