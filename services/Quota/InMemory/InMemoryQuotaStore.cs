using System.Collections.Concurrent;

namespace AiCdn.Quota.InMemory;

/// <summary>
/// Quota counters in this process: exact for one auth-quota replica (and the per-replica fallback
/// when Redis is down and the failure mode is fail-open). Same semantics as the Redis scripts:
/// every operation on a tenant runs under that tenant's lock, so check-and-reserve is one step.
/// </summary>
public sealed class InMemoryQuotaStore : IQuotaStore, IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, TenantCounters> _tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public InMemoryQuotaStore(TimeProvider time)
    {
        _time = time;
        _sweeper = time.CreateTimer(static state => ((InMemoryQuotaStore)state!).Sweep(), this, SweepInterval, SweepInterval);
    }

    /// <summary>True when this store holds the reservation (used to route settlements made during a Redis outage).</summary>
    public bool Holds(string reservationId) => _reservations.ContainsKey(reservationId);

    public ValueTask<ReserveResult> ReserveAsync(ReserveCommand command, CancellationToken cancellationToken)
    {
        var now = QuotaMath.UnixMs(command.Now);
        var tenant = Tenant(command.Tenant);
        lock (tenant)
        {
            var replay = false;
            if (_reservations.TryGetValue(command.ReservationId, out var existing))
            {
                if (existing.State == ReservationState.Cancelled)
                {
                    return ValueTask.FromResult(new ReserveResult(ReserveOutcome.Cancelled, null));
                }

                if (existing.KeyId != command.KeyId || existing.Tenant != command.Tenant)
                {
                    return ValueTask.FromResult(new ReserveResult(ReserveOutcome.IdConflict, null));
                }

                replay = true;
            }

            var mode = replay ? Mode.Peek : command.Stream ? Mode.Stream : Mode.Call;
            var (readings, fits) = Evaluate(tenant, command.KeyId, command.KeyLimits, command.TenantLimits, command.Tokens, mode, now);
            if (replay)
            {
                return ValueTask.FromResult(new ReserveResult(ReserveOutcome.AlreadyReserved, readings));
            }

            if (!fits)
            {
                return ValueTask.FromResult(new ReserveResult(ReserveOutcome.Rejected, readings));
            }

            readings = Charge(tenant, command, now);
            var ttl = (long)command.Ttl.TotalMilliseconds;
            _reservations[command.ReservationId] = new Reservation(command.Tenant, command.KeyId, command.Tokens, QuotaMath.Day(now), command.Stream)
            {
                ExpiresMs = now + ttl,
                ForgetMs = now + ttl + QuotaMath.RetentionMs,
            };
            return ValueTask.FromResult(new ReserveResult(ReserveOutcome.Reserved, readings));
        }
    }

    public ValueTask<SettleOutcome> SettleAsync(SettleCommand command, CancellationToken cancellationToken)
    {
        var now = QuotaMath.UnixMs(command.Now);
        if (!_reservations.TryGetValue(command.ReservationId, out var reservation))
        {
            if (command is { Cancel: true, Forwarded: false, Tenant: { } cancelTenant, KeyId: { } cancelKey })
            {
                // Cancelled before it was made: a tombstone, so it never will be.
                _reservations.TryAdd(command.ReservationId, new Reservation(cancelTenant, cancelKey, 0, QuotaMath.Day(now), false)
                {
                    State = ReservationState.Cancelled,
                    ExpiresMs = now,
                    ForgetMs = now + (long)command.Remember.TotalMilliseconds,
                });
                return ValueTask.FromResult(SettleOutcome.Cancelled);
            }

            return ValueTask.FromResult(SettleOutcome.NotFound);
        }

        var tenant = Tenant(reservation.Tenant);
        lock (tenant)
        {
            if (reservation.State == ReservationState.Settled)
            {
                return ValueTask.FromResult(SettleOutcome.AlreadySettled);
            }

            if (reservation.State is ReservationState.Expired or ReservationState.Cancelled)
            {
                return ValueTask.FromResult(SettleOutcome.NotFound);
            }

            tenant.Leases(KeyScope(reservation.KeyId)).Remove(command.ReservationId);
            tenant.Leases(TenantScope).Remove(command.ReservationId);
            if (reservation.ExpiresMs <= now)
            {
                // Too late: the lease is gone and the estimate stays charged (the work most likely happened).
                reservation.State = ReservationState.Expired;
                return ValueTask.FromResult(SettleOutcome.NotFound);
            }

            var delta = command.Forwarded ? command.Tokens - reservation.Tokens : -reservation.Tokens;
            foreach (var scope in new[] { KeyScope(reservation.KeyId), TenantScope })
            {
                if (!command.Forwarded)
                {
                    Adjust(tenant, scope + ":rpm", -1, now);
                }

                Adjust(tenant, scope + ":tpm", delta, now);
                var dayKey = DayKey(scope, reservation.Day);
                if (delta != 0 && tenant.Days.TryGetValue(dayKey, out var used))
                {
                    tenant.Days[dayKey] = Math.Max(0, used + delta);
                }
            }

            reservation.State = ReservationState.Settled;
            reservation.ForgetMs = now + (long)command.Remember.TotalMilliseconds;
            return ValueTask.FromResult(SettleOutcome.Settled);
        }
    }

    public ValueTask<bool> RenewAsync(string reservationId, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken)
    {
        if (!_reservations.TryGetValue(reservationId, out var reservation))
        {
            return ValueTask.FromResult(false);
        }

        var nowMs = QuotaMath.UnixMs(now);
        var tenant = Tenant(reservation.Tenant);
        lock (tenant)
        {
            if (reservation.State != ReservationState.Reserved || reservation.ExpiresMs <= nowMs)
            {
                return ValueTask.FromResult(false);
            }

            var expires = nowMs + (long)ttl.TotalMilliseconds;
            reservation.ExpiresMs = expires;
            reservation.ForgetMs = expires + QuotaMath.RetentionMs;
            if (reservation.Stream)
            {
                tenant.Leases(KeyScope(reservation.KeyId)).Renew(reservationId, expires);
                tenant.Leases(TenantScope).Renew(reservationId, expires);
            }

            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<ExtendOutcome> ExtendAsync(ExtendCommand command, CancellationToken cancellationToken)
    {
        if (!_reservations.TryGetValue(command.ReservationId, out var reservation)
            || reservation.Tenant != command.Tenant || reservation.KeyId != command.KeyId)
        {
            return ValueTask.FromResult(ExtendOutcome.Gone);
        }

        var now = QuotaMath.UnixMs(command.Now);
        var tenant = Tenant(reservation.Tenant);
        lock (tenant)
        {
            if (reservation.State != ReservationState.Reserved || reservation.ExpiresMs <= now)
            {
                return ValueTask.FromResult(ExtendOutcome.Gone);
            }

            var scopes = new[] { (KeyScope(reservation.KeyId), command.KeyLimits), (TenantScope, command.TenantLimits) };
            foreach (var (name, limits) in scopes)
            {
                var minute = ReadBucket(tenant, name + ":tpm", limits.TokensPerMinute, command.Tokens, now);
                var used = tenant.Days.GetValueOrDefault(DayKey(name, reservation.Day));
                if (!minute.Fits || (limits.TokensPerDay is { } perDay && used + command.Tokens > perDay))
                {
                    return ValueTask.FromResult(ExtendOutcome.Refused);
                }
            }

            foreach (var (name, limits) in scopes)
            {
                ChargeBucket(tenant, name + ":tpm", limits.TokensPerMinute, command.Tokens, now);
                var dayKey = DayKey(name, reservation.Day);
                if (tenant.Days.TryGetValue(dayKey, out var used))
                {
                    tenant.Days[dayKey] = used + command.Tokens;
                }
            }

            reservation.Tokens += command.Tokens;
            return ValueTask.FromResult(ExtendOutcome.Extended);
        }
    }

    public ValueTask<QuotaReadings> ReadUsageAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        var tenant = Tenant(query.Tenant);
        lock (tenant)
        {
            var (readings, _) = Evaluate(tenant, query.KeyId, query.KeyLimits, query.TenantLimits, 0, Mode.Peek, QuotaMath.UnixMs(query.Now));
            return ValueTask.FromResult(readings);
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private const string TenantScope = "t";

    private static string KeyScope(string keyId) => "k:" + keyId;

    private static string DayKey(string scope, long day) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{scope}:tpd:{day}");

    private TenantCounters Tenant(string name) => _tenants.GetOrAdd(name, static _ => new TenantCounters());

    private static (QuotaReadings Readings, bool Fits) Evaluate(
        TenantCounters tenant, string keyId, KeyLimits keyLimits, KeyLimits tenantLimits, long tokens, Mode mode, long now)
    {
        var readings = new LimitReading[QuotaReadings.Count];
        var fits = true;
        var dayLeft = QuotaMath.MsUntilDayEnd(now);
        var day = QuotaMath.Day(now);
        foreach (var (scope, name, limits) in new[] { (LimitScope.Key, KeyScope(keyId), keyLimits), (LimitScope.Tenant, TenantScope, tenantLimits) })
        {
            var charge = mode == Mode.Peek ? 0 : tokens;
            var requestCharge = mode == Mode.Peek ? 0 : 1;
            readings[QuotaReadings.Index(scope, LimitKind.RequestsPerMinute)] = ReadBucket(tenant, name + ":rpm", limits.RequestsPerMinute, requestCharge, now);
            readings[QuotaReadings.Index(scope, LimitKind.TokensPerMinute)] = ReadBucket(tenant, name + ":tpm", limits.TokensPerMinute, charge, now);

            var used = tenant.Days.GetValueOrDefault(DayKey(name, day));
            readings[QuotaReadings.Index(scope, LimitKind.TokensPerDay)] =
                new(limits.TokensPerDay, used, used > 0 ? dayLeft : 0, QuotaMath.DayWait(used, charge, limits.TokensPerDay, dayLeft));

            // As in reserve.lua: leases matter only to streams (and are reported by peeks).
            var active = 0;
            if (mode != Mode.Call)
            {
                var leases = tenant.Leases(name);
                if (mode == Mode.Stream)
                {
                    leases.Purge(now);
                }

                active = leases.Active(now);
            }

            var wait = mode == Mode.Stream && limits.MaxConcurrentStreams is { } maxStreams && active + 1 > maxStreams ? LimitReading.WhenAStreamEnds : 0;
            readings[QuotaReadings.Index(scope, LimitKind.ConcurrentStreams)] = new(limits.MaxConcurrentStreams, active, 0, wait);
        }

        foreach (var reading in readings)
        {
            fits &= reading.Fits;
        }

        return (new QuotaReadings(readings), fits);
    }

    private static LimitReading ReadBucket(TenantCounters tenant, string name, long? limit, long amount, long now)
    {
        if (limit is not { } max)
        {
            return new(null, 0, 0, 0);
        }

        var level = tenant.Buckets.TryGetValue(name, out var bucket) ? QuotaMath.Drain(bucket.Level, bucket.UpdatedMs, max, now) : 0;
        return new(max, (long)Math.Ceiling(level), QuotaMath.BucketReset(level, max), QuotaMath.BucketWait(level, amount, max));
    }

    private static QuotaReadings Charge(TenantCounters tenant, ReserveCommand command, long now)
    {
        var readings = new LimitReading[QuotaReadings.Count];
        var dayLeft = QuotaMath.MsUntilDayEnd(now);
        var day = QuotaMath.Day(now);
        var ttl = (long)command.Ttl.TotalMilliseconds;
        foreach (var (scope, name, limits) in new[] { (LimitScope.Key, KeyScope(command.KeyId), command.KeyLimits), (LimitScope.Tenant, TenantScope, command.TenantLimits) })
        {
            readings[QuotaReadings.Index(scope, LimitKind.RequestsPerMinute)] = ChargeBucket(tenant, name + ":rpm", limits.RequestsPerMinute, 1, now);
            readings[QuotaReadings.Index(scope, LimitKind.TokensPerMinute)] = ChargeBucket(tenant, name + ":tpm", limits.TokensPerMinute, command.Tokens, now);

            var dayKey = DayKey(name, day);
            var used = tenant.Days.GetValueOrDefault(dayKey) + command.Tokens;
            tenant.Days[dayKey] = used;
            readings[QuotaReadings.Index(scope, LimitKind.TokensPerDay)] = new(limits.TokensPerDay, used, used > 0 ? dayLeft : 0, 0);

            var active = 0;
            if (command.Stream)
            {
                var leases = tenant.Leases(name);
                leases.Set(command.ReservationId, now + ttl);
                active = leases.Count;
            }

            readings[QuotaReadings.Index(scope, LimitKind.ConcurrentStreams)] = new(limits.MaxConcurrentStreams, active, 0, 0);
        }

        return new QuotaReadings(readings);
    }

    private static LimitReading ChargeBucket(TenantCounters tenant, string name, long? limit, long amount, long now)
    {
        if (limit is not { } max)
        {
            return new(null, 0, 0, 0);
        }

        var bucket = tenant.Buckets.TryGetValue(name, out var existing) ? existing : tenant.Buckets[name] = new Bucket();
        var level = QuotaMath.Drain(bucket.Level, bucket.UpdatedMs, max, now) + amount;
        bucket.Level = level;

        // Never back in time: a caller whose clock is behind must not make the bucket drain twice.
        bucket.UpdatedMs = Math.Max(now, bucket.UpdatedMs);
        bucket.Rate = max;
        return new(max, (long)Math.Ceiling(level), QuotaMath.BucketReset(level, max), 0);
    }

    private static void Adjust(TenantCounters tenant, string name, long amount, long now)
    {
        if (amount == 0 || !tenant.Buckets.TryGetValue(name, out var bucket))
        {
            return;
        }

        var level = QuotaMath.Drain(bucket.Level, bucket.UpdatedMs, bucket.Rate, now);
        bucket.UpdatedMs = Math.Max(now, bucket.UpdatedMs);
        bucket.Level = Math.Max(0, level + amount);
    }

    /// <summary>Forgets what no longer matters, as Redis's key expiry does for the Redis store.</summary>
    private void Sweep()
    {
        var now = QuotaMath.UnixMs(_time.GetUtcNow());
        foreach (var (id, reservation) in _reservations)
        {
            if (reservation.ForgetMs <= now)
            {
                _reservations.TryRemove(id, out _);
            }
        }

        var today = QuotaMath.Day(now);
        foreach (var tenant in _tenants.Values)
        {
            lock (tenant)
            {
                foreach (var (name, bucket) in tenant.Buckets.ToList())
                {
                    if (QuotaMath.Drain(bucket.Level, bucket.UpdatedMs, bucket.Rate, now) <= 0)
                    {
                        tenant.Buckets.Remove(name);
                    }
                }

                foreach (var name in tenant.Days.Keys.Where(name => long.Parse(name[(name.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture) < today - 1).ToList())
                {
                    tenant.Days.Remove(name);
                }

                foreach (var (name, leases) in tenant.AllLeases.ToList())
                {
                    leases.Purge(now);
                    if (leases.Count == 0)
                    {
                        tenant.AllLeases.Remove(name);
                    }
                }
            }
        }
    }

    private enum Mode
    {
        Call,
        Stream,
        Peek,
    }

    private enum ReservationState
    {
        Reserved,
        Settled,
        Expired,

        /// <summary>A tombstone: cancelled before it was made.</summary>
        Cancelled,
    }

    private sealed class Bucket
    {
        public double Level;
        public long UpdatedMs;
        public long Rate;
    }

    private sealed class Reservation(string tenant, string keyId, long tokens, long day, bool stream)
    {
        public string Tenant { get; } = tenant;

        public string KeyId { get; } = keyId;

        public long Tokens { get; set; } = tokens;

        public long Day { get; } = day;

        public bool Stream { get; } = stream;

        public long ExpiresMs { get; set; }

        public long ForgetMs { get; set; }

        public ReservationState State { get; set; }
    }

    private sealed class TenantCounters
    {
        public Dictionary<string, Bucket> Buckets { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> Days { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, LeaseSet> AllLeases { get; } = new(StringComparer.Ordinal);

        public LeaseSet Leases(string scope)
        {
            if (!AllLeases.TryGetValue(scope, out var leases))
            {
                AllLeases[scope] = leases = new LeaseSet();
            }

            return leases;
        }
    }

    /// <summary>
    /// Stream leases by reservation id with their expiry. Remembers the earliest expiry, so
    /// counting is O(1) until a lease has actually expired (then one scan removes the expired).
    /// </summary>
    private sealed class LeaseSet
    {
        private readonly Dictionary<string, long> _expiries = new(StringComparer.Ordinal);
        private long _earliest = long.MaxValue;

        public int Count => _expiries.Count;

        public void Set(string id, long expires)
        {
            _expiries[id] = expires;
            _earliest = Math.Min(_earliest, expires);
        }

        public void Renew(string id, long expires)
        {
            if (_expiries.ContainsKey(id))
            {
                _expiries[id] = expires;
            }
        }

        public void Remove(string id) => _expiries.Remove(id);

        public void Purge(long now)
        {
            if (now < _earliest)
            {
                return;
            }

            _earliest = long.MaxValue;
            foreach (var (id, expires) in _expiries)
            {
                if (expires <= now)
                {
                    _expiries.Remove(id);
                }
                else
                {
                    _earliest = Math.Min(_earliest, expires);
                }
            }
        }

        public int Active(long now) => now < _earliest ? _expiries.Count : _expiries.Values.Count(expires => expires > now);
    }
}
