using System.Globalization;
using AiCdn.Quota.Keys;
using AiCdn.Quota.Storage;
using StackExchange.Redis;

namespace AiCdn.Quota.Redis;

/// <summary>
/// Quota counters in Redis, shared by every auth-quota replica and every core-relay deciding
/// directly: each decision is one Lua script (check and reserve atomically), so limits hold exactly
/// across replicas. <paramref name="keyPrefix"/> is the deployment's prefix (auth-quota's
/// <c>AuthQuota:Redis:KeyPrefix</c>; core-relay uses the one auth-quota tells it).
/// </summary>
public sealed class RedisQuotaStore(RedisConnection redis, string keyPrefix) : IQuotaStore
{
    private readonly RedisQuotaKeys _keys = new(keyPrefix);

    public RedisQuotaStore(RedisConnection redis)
        : this(redis, redis.KeyPrefix)
    {
    }

    /// <summary>
    /// This deployment's store id: a random value the first replica to ask writes once (SET NX) under
    /// the prefix. A core-relay compares it with what auth-quota reports before deciding against its
    /// own Redis connection, so a core pointed at another Redis (or prefix) never splits the counters.
    /// </summary>
    public Task<string> EnsureStoreIdAsync() => redis.ExecuteAsync("store_id", async db =>
    {
        await db.StringSetAsync(_keys.StoreId, Guid.NewGuid().ToString("N"), when: When.NotExists);
        return (string)(await db.StringGetAsync(_keys.StoreId))!;
    });

    /// <summary>The store id as this connection sees it, or null when none was written under this prefix.</summary>
    public Task<string?> ReadStoreIdAsync() => redis.ExecuteAsync("store_id", async db => (string?)await db.StringGetAsync(_keys.StoreId));

    public async ValueTask<ReserveResult> ReserveAsync(ReserveCommand command, CancellationToken cancellationToken)
    {
        var now = QuotaMath.UnixMs(command.Now);
        var day = QuotaMath.Day(now);
        var ttlMs = (long)command.Ttl.TotalMilliseconds;
        var keys = _keys.Limits(command.Tenant, command.KeyId, day, _keys.Record(command.Tenant, command.ReservationId));
        var args = new RedisValue[16];
        args[0] = now;
        args[1] = command.KeyId;
        args[2] = command.ReservationId;
        args[3] = command.Tokens;
        args[4] = command.Stream ? "stream" : "call";
        args[5] = ttlMs;
        args[6] = QuotaMath.MsUntilDayEnd(now);
        args[7] = day;
        FillLimits(args, 8, command.KeyLimits, command.TenantLimits);

        var pointer = string.Create(CultureInfo.InvariantCulture, $"{command.Tenant}|{command.KeyId}|{day}");
        var result = await redis.ExecuteAsync("reserve", async db =>
        {
            // The pointer lets a settlement (which carries only the reservation id) find the tenant's
            // slot. Both commands leave together (pipelined): one round trip. NX: a retried call
            // keeps the first pointer.
            var setPointer = db.StringSetAsync(_keys.Pointer(command.ReservationId), pointer,
                TimeSpan.FromMilliseconds(ttlMs + QuotaMath.RetentionMs), When.NotExists);
            var script = QuotaScripts.Reserve.EvaluateAsync(db, keys, args);
            await setPointer;
            return (RedisResult[])(await script)!;
        });

        var outcome = (ReserveOutcome)(int)result[0];
        return outcome is ReserveOutcome.IdConflict or ReserveOutcome.Cancelled
            ? new ReserveResult(outcome, null)
            : new ReserveResult(outcome, ToReadings(result, command.KeyLimits, command.TenantLimits));
    }

    public async ValueTask<SettleOutcome> SettleAsync(SettleCommand command, CancellationToken cancellationToken)
    {
        var now = QuotaMath.UnixMs(command.Now);
        var rememberMs = (long)command.Remember.TotalMilliseconds;
        return await redis.ExecuteAsync("settle", async db =>
        {
            var pointerKey = _keys.Pointer(command.ReservationId);
            int result;
            if (command.Tenant is { } hintedTenant && command.KeyId is { } hintedKey
                && Identifiers.IsTenant(hintedTenant) && Identifiers.IsKeyId(hintedKey))
            {
                // The caller says where the reservation is (it made the decision): one round trip.
                // The script checks the record's key and day; when it is not there (another tenant,
                // or reserved on another UTC day) the pointer is read as below.
                result = await SettleScriptAsync(db, hintedTenant, hintedKey, QuotaMath.Day(now), command, now, rememberMs, verify: true);
                if (result != NotHere)
                {
                    return AfterSettle(db, pointerKey, result, rememberMs);
                }
            }

            if (!TryParsePointer(await db.StringGetAsync(pointerKey), out var tenant, out var keyId, out var day))
            {
                return SettleOutcome.NotFound;
            }

            result = await SettleScriptAsync(db, tenant, keyId, day, command, now, rememberMs, verify: false);
            return AfterSettle(db, pointerKey, result, rememberMs);
        });
    }

    /// <summary>settle.lua's answer when a hinted reservation is not under the hinted tenant, key and day.</summary>
    private const int NotHere = 3;

    private async Task<int> SettleScriptAsync(IDatabase db, string tenant, string keyId, long day, SettleCommand command, long now, long rememberMs, bool verify)
    {
        var keys = _keys.Limits(tenant, keyId, day, _keys.Record(tenant, command.ReservationId));
        RedisValue[] args = verify
            ? [now, command.ReservationId, command.Tokens, command.Forwarded ? 1 : 0, rememberMs, keyId, day, command.Cancel && !command.Forwarded ? 1 : 0]
            : [now, command.ReservationId, command.Tokens, command.Forwarded ? 1 : 0, rememberMs];
        return (int)(await QuotaScripts.Settle.EvaluateAsync(db, keys, args));
    }

    private static SettleOutcome AfterSettle(IDatabase db, RedisKey pointerKey, int result, long rememberMs)
    {
        var outcome = (SettleOutcome)result;
        if (outcome == SettleOutcome.Settled)
        {
            // A repeated settle must still find the reservation for as long as it is remembered.
            // Nothing waits for this: the settlement is done, and the pointer outlives the
            // reservation's TTL anyway if the command is lost.
            _ = db.KeyExpireAsync(pointerKey, TimeSpan.FromMilliseconds(rememberMs), flags: CommandFlags.FireAndForget);
        }

        return outcome;
    }

    public async ValueTask<bool> RenewAsync(string reservationId, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var ttlMs = (long)ttl.TotalMilliseconds;
        return await redis.ExecuteAsync("renew", async db =>
        {
            var pointerKey = _keys.Pointer(reservationId);
            if (!TryParsePointer(await db.StringGetAsync(pointerKey), out var tenant, out var keyId, out _))
            {
                return false;
            }

            var keys = _keys.Leases(tenant, keyId, _keys.Record(tenant, reservationId));
            var renewed = (int)(await QuotaScripts.Renew.EvaluateAsync(db, keys, [QuotaMath.UnixMs(now), reservationId, ttlMs])) == 1;
            if (renewed)
            {
                _ = db.KeyExpireAsync(pointerKey, TimeSpan.FromMilliseconds(ttlMs + QuotaMath.RetentionMs), flags: CommandFlags.FireAndForget);
            }

            return renewed;
        });
    }

    public async ValueTask<ExtendOutcome> ExtendAsync(ExtendCommand command, CancellationToken cancellationToken)
    {
        var now = QuotaMath.UnixMs(command.Now);
        return await redis.ExecuteAsync("extend", async db =>
        {
            // The reservation's day (its counters) is in its pointer; the key and tenant must be the caller's.
            if (!TryParsePointer(await db.StringGetAsync(_keys.Pointer(command.ReservationId)), out var tenant, out var keyId, out var day)
                || tenant != command.Tenant || keyId != command.KeyId)
            {
                return ExtendOutcome.Gone;
            }

            var keys = _keys.Limits(tenant, keyId, day, _keys.Record(tenant, command.ReservationId));
            RedisValue[] args =
            [
                now, keyId, command.Tokens,
                command.KeyLimits.TokensPerMinute ?? -1, command.KeyLimits.TokensPerDay ?? -1,
                command.TenantLimits.TokensPerMinute ?? -1, command.TenantLimits.TokensPerDay ?? -1,
            ];
            return (ExtendOutcome)(int)(await QuotaScripts.Extend.EvaluateAsync(db, keys, args));
        });
    }

    public async ValueTask<QuotaReadings> ReadUsageAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        var now = QuotaMath.UnixMs(query.Now);
        var day = QuotaMath.Day(now);
        var keys = _keys.Limits(query.Tenant, query.KeyId, day, _keys.Record(query.Tenant, "-"));
        var args = new RedisValue[16];
        args[0] = now;
        args[1] = query.KeyId;
        args[2] = "-";
        args[3] = 0;
        args[4] = "peek";
        args[5] = 0;
        args[6] = QuotaMath.MsUntilDayEnd(now);
        args[7] = day;
        FillLimits(args, 8, query.KeyLimits, query.TenantLimits);
        var result = await redis.ExecuteAsync("usage", async db => (RedisResult[])(await QuotaScripts.Reserve.EvaluateAsync(db, keys, args))!);
        return ToReadings(result, query.KeyLimits, query.TenantLimits);
    }

    private static void FillLimits(RedisValue[] args, int offset, KeyLimits key, KeyLimits tenant)
    {
        foreach (var kind in LimitNames.Kinds)
        {
            args[offset + (int)kind] = key.Get(kind) ?? -1;
            args[offset + 4 + (int)kind] = tenant.Get(kind) ?? -1;
        }
    }

    private static QuotaReadings ToReadings(RedisResult[] result, KeyLimits key, KeyLimits tenant)
    {
        var readings = new LimitReading[QuotaReadings.Count];
        for (var i = 0; i < QuotaReadings.Count; i++)
        {
            var kind = (LimitKind)(i % 4);
            var limit = i < 4 ? key.Get(kind) : tenant.Get(kind);
            var at = 1 + (i * 3);
            readings[i] = new LimitReading(limit, (long)result[at], (long)result[at + 1], (long)result[at + 2]);
        }

        return new QuotaReadings(readings);
    }

    private static bool TryParsePointer(RedisValue value, out string tenant, out string keyId, out long day)
    {
        tenant = keyId = string.Empty;
        day = 0;
        if (value.IsNullOrEmpty)
        {
            return false;
        }

        var parts = ((string)value!).Split('|');
        if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out day))
        {
            return false;
        }

        (tenant, keyId) = (parts[0], parts[1]);
        return true;
    }
}
