using System.Net;
using AiCdn.Common.Security;

namespace AiCdn.AuthQuota.Tests;

/// <summary>
/// Reserve-then-settle, windows, expiry and renewal, on both stores with the same expectations.
/// Time moves only when the test advances the fake clock.
/// </summary>
public sealed class QuotaSemanticsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Key = "sk-aicdn-semantics-key-0001";
    private static readonly string s_keyId = "key_" + ApiKeyHash.Compute(Key)[..16];

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Reserve_CallerClockBehindTheStoredTime_BucketTimeNeverGoesBack(StoreKind store)
    {
        await using var cluster = await StartAsync(store);
        var quota = cluster.Service<AiCdn.Quota.IQuotaStore>();
        var limits = new AiCdn.Quota.KeyLimits(RequestsPerMinute: 60);
        var t0 = QuotaCluster.Start;
        async Task<long> ReserveAtAsync(DateTimeOffset now) =>
            (await quota.ReserveAsync(new(Guid.NewGuid().ToString("N"), "default", s_keyId, 0, false, limits, AiCdn.Quota.KeyLimits.None, now, TimeSpan.FromMinutes(1)), CancellationToken.None))
                .Readings![AiCdn.Quota.LimitScope.Key, AiCdn.Quota.LimitKind.RequestsPerMinute].Used;

        Assert.Equal(1, await ReserveAtAsync(t0));

        // A caller 2 s behind: nothing drains for it, and the bucket keeps t0 as its time.
        Assert.Equal(2, await ReserveAtAsync(t0 - TimeSpan.FromSeconds(2)));

        // One second after t0 one request (60 a minute) has drained, not three.
        Assert.Equal(2, await ReserveAtAsync(t0 + TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Cancel_BeforeTheReservationLands_ItIsNeverMadeOrCharged(StoreKind store)
    {
        await using var cluster = await StartAsync(store);
        var quota = cluster.Service<AiCdn.Quota.IQuotaStore>();
        var limits = new AiCdn.Quota.KeyLimits(RequestsPerMinute: 60, TokensPerMinute: 10_000);
        var now = QuotaCluster.Start;
        var id = Guid.NewGuid().ToString("N");

        // The caller gave up (its reserve timed out) before Redis ran the reserve; the reserve runs after.
        var cancelled = await quota.SettleAsync(new(id, 0, false, now, TimeSpan.FromMinutes(10), "default", s_keyId, Cancel: true), CancellationToken.None);
        var late = await quota.ReserveAsync(new(id, "default", s_keyId, 500, false, limits, AiCdn.Quota.KeyLimits.None, now, TimeSpan.FromMinutes(1)), CancellationToken.None);
        var next = await quota.ReserveAsync(new(Guid.NewGuid().ToString("N"), "default", s_keyId, 0, false, limits, AiCdn.Quota.KeyLimits.None, now, TimeSpan.FromMinutes(1)), CancellationToken.None);

        Assert.Equal(AiCdn.Quota.SettleOutcome.Cancelled, cancelled);
        Assert.Equal(AiCdn.Quota.ReserveOutcome.Cancelled, late.Outcome);
        Assert.Equal(1, next.Readings![AiCdn.Quota.LimitScope.Key, AiCdn.Quota.LimitKind.RequestsPerMinute].Used);
        Assert.Equal(0, next.Readings![AiCdn.Quota.LimitScope.Key, AiCdn.Quota.LimitKind.TokensPerMinute].Used);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Cancel_AfterTheReservationLanded_GivesItBack(StoreKind store)
    {
        await using var cluster = await StartAsync(store);
        var quota = cluster.Service<AiCdn.Quota.IQuotaStore>();
        var limits = new AiCdn.Quota.KeyLimits(RequestsPerMinute: 60, TokensPerMinute: 10_000);
        var now = QuotaCluster.Start;
        var id = Guid.NewGuid().ToString("N");

        var reserved = await quota.ReserveAsync(new(id, "default", s_keyId, 500, false, limits, AiCdn.Quota.KeyLimits.None, now, TimeSpan.FromMinutes(1)), CancellationToken.None);
        var cancelled = await quota.SettleAsync(new(id, 0, false, now, TimeSpan.FromMinutes(10), "default", s_keyId, Cancel: true), CancellationToken.None);
        var next = await quota.ReserveAsync(new(Guid.NewGuid().ToString("N"), "default", s_keyId, 0, false, limits, AiCdn.Quota.KeyLimits.None, now, TimeSpan.FromMinutes(1)), CancellationToken.None);

        Assert.Equal(AiCdn.Quota.ReserveOutcome.Reserved, reserved.Outcome);
        Assert.Equal(AiCdn.Quota.SettleOutcome.Settled, cancelled);
        Assert.Equal(1, next.Readings![AiCdn.Quota.LimitScope.Key, AiCdn.Quota.LimitKind.RequestsPerMinute].Used);
        Assert.Equal(0, next.Readings![AiCdn.Quota.LimitScope.Key, AiCdn.Quota.LimitKind.TokensPerMinute].Used);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Settle_ActualBelowEstimate_ChargesOnlyTheActual(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("TokensPerMinute", "10000"), ("TokensPerDay", "50000"));
        var client = cluster[0];

        var reserved = await client.AuthorizeAsync(Key, tokens: 1000);
        Assert.Equal(9000, reserved.RateLimit!.RemainingTokens);
        using var settled = await client.SettleAsync(reserved.ReservationId, promptTokens: 120, completionTokens: 180);

        Assert.Equal(HttpStatusCode.NoContent, settled.StatusCode);
        var usage = (await client.UsageAsync(s_keyId)).GetProperty("key");
        Assert.Equal(300, usage.GetProperty("tokens_per_minute").GetProperty("used").GetInt64());
        Assert.Equal(300, usage.GetProperty("tokens_today").GetProperty("used").GetInt64());
        Assert.Equal(9700, (await client.AuthorizeAsync(Key, tokens: 0)).RateLimit!.RemainingTokens);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Settle_ActualAboveEstimate_ChargesTheRealFigure(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("TokensPerMinute", "10000"));
        var client = cluster[0];

        var reserved = await client.AuthorizeAsync(Key, tokens: 100);
        using var settled = await client.SettleAsync(reserved.ReservationId, promptTokens: 100, completionTokens: 9_000);

        Assert.Equal(HttpStatusCode.NoContent, settled.StatusCode);
        var next = await client.AuthorizeAsync(Key, tokens: 1000);
        Assert.False(next.Allowed);
        Assert.Equal(429, next.Status);
        Assert.Contains("used 9100, requested 1000", next.Error!.Message, StringComparison.Ordinal);

        // The bucket drains 10,000 tokens a minute: 100 tokens of room take 600 ms.
        Assert.Equal(600, next.RetryAfterMs);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(600));
        Assert.True((await client.AuthorizeAsync(Key, tokens: 1000)).Allowed);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Settle_NotForwarded_GivesBackTheRequestAndItsTokens(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("RequestsPerMinute", "2"), ("TokensPerMinute", "10000"));
        var client = cluster[0];

        var first = await client.AuthorizeAsync(Key, tokens: 4000);
        var second = await client.AuthorizeAsync(Key, tokens: 4000);
        Assert.False((await client.AuthorizeAsync(Key, tokens: 10)).Allowed);
        using var refunded = await client.SettleAsync(first.ReservationId, 0, 0, forwarded: false);

        Assert.Equal(HttpStatusCode.NoContent, refunded.StatusCode);
        var usage = (await client.UsageAsync(s_keyId)).GetProperty("key");
        Assert.Equal(1, usage.GetProperty("requests_per_minute").GetProperty("used").GetInt64());
        Assert.Equal(4000, usage.GetProperty("tokens_per_minute").GetProperty("used").GetInt64());
        Assert.Equal(4000, usage.GetProperty("tokens_today").GetProperty("used").GetInt64());
        Assert.True((await client.AuthorizeAsync(Key, tokens: 10)).Allowed);
        _ = second;
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Settle_Repeated_IsANoOp(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("TokensPerMinute", "10000"));
        var client = cluster[0];
        var reserved = await client.AuthorizeAsync(Key, tokens: 1000);

        using var first = await client.SettleAsync(reserved.ReservationId, 100, 100);
        using var again = await client.SettleAsync(reserved.ReservationId, 5000, 5000);
        using var refund = await client.SettleAsync(reserved.ReservationId, 0, 0, forwarded: false);

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, refund.StatusCode);
        var usage = (await client.UsageAsync(s_keyId)).GetProperty("key");
        Assert.Equal(200, usage.GetProperty("tokens_per_minute").GetProperty("used").GetInt64());
        Assert.Equal(200, usage.GetProperty("tokens_today").GetProperty("used").GetInt64());
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Settle_UnknownReservation_404ReservationNotFound(StoreKind store)
    {
        await using var cluster = await StartAsync(store);

        using var response = await cluster[0].SettleAsync(QuotaClient.NewReservationId(), 1, 1);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("\"code\":\"reservation_not_found\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Settle_Stream_ReleasesItsLease(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("MaxConcurrentStreams", "1"));
        var client = cluster[0];

        var stream = await client.AuthorizeAsync(Key, tokens: 10, stream: true);
        var blocked = await client.AuthorizeAsync(Key, tokens: 10, stream: true);
        var plainCall = await client.AuthorizeAsync(Key, tokens: 10, stream: false);
        using var settled = await client.SettleAsync(stream.ReservationId, 5, 5);
        var next = await client.AuthorizeAsync(Key, tokens: 10, stream: true);

        Assert.True(stream.Allowed);
        Assert.False(blocked.Allowed);
        Assert.Equal("requests", blocked.Error!.Type);
        Assert.Contains("concurrent streams on API key", blocked.Error.Message, StringComparison.Ordinal);
        Assert.True(plainCall.Allowed);
        Assert.True(next.Allowed);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Reservation_NotSettledWithinTtl_ReleasesLeaseAndKeepsEstimateCharged(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("MaxConcurrentStreams", "1"));
        var client = cluster[0];

        var crashed = await client.AuthorizeAsync(Key, tokens: 500, stream: true);
        Assert.False((await client.AuthorizeAsync(Key, tokens: 10, stream: true)).Allowed);
        cluster.Time.Advance(TimeSpan.FromMinutes(10));
        var after = await client.AuthorizeAsync(Key, tokens: 10, stream: true);
        using var lateSettle = await client.SettleAsync(crashed.ReservationId, 1, 1);

        Assert.True(after.Allowed);
        Assert.Equal(HttpStatusCode.NotFound, lateSettle.StatusCode);
        var usage = (await client.UsageAsync(s_keyId)).GetProperty("key");
        Assert.Equal(510, usage.GetProperty("tokens_today").GetProperty("used").GetInt64());
        Assert.Equal(1, usage.GetProperty("concurrent_streams").GetProperty("used").GetInt64());
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Renew_OpenStream_KeepsItsLeasePastTheTtl(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("MaxConcurrentStreams", "1"));
        var client = cluster[0];
        var stream = await client.AuthorizeAsync(Key, tokens: 10, stream: true);

        cluster.Time.Advance(TimeSpan.FromMinutes(9));
        using var renewed = await client.RenewAsync(stream.ReservationId);
        cluster.Time.Advance(TimeSpan.FromMinutes(9));
        var blocked = await client.AuthorizeAsync(Key, tokens: 10, stream: true);
        using var settled = await client.SettleAsync(stream.ReservationId, 5, 5);
        using var renewSettled = await client.RenewAsync(stream.ReservationId);

        Assert.Equal(HttpStatusCode.NoContent, renewed.StatusCode);
        Assert.False(blocked.Allowed);
        Assert.Equal(HttpStatusCode.NoContent, settled.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, renewSettled.StatusCode);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Renew_ReservationIdWithEveryAllowedCharacter_Renews(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("MaxConcurrentStreams", "1"));
        const string id = "core-1:req_42.Retry-0";

        var reserved = await cluster[0].AuthorizeAsync(Key, stream: true, reservationId: id);
        using var renewed = await cluster[0].RenewAsync(id);
        using var settled = await cluster[0].SettleAsync(id, 1, 1);

        Assert.True(reserved.Allowed);
        Assert.Equal(HttpStatusCode.NoContent, renewed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, settled.StatusCode);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_SameReservationIdTwice_ReservesOnce(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("RequestsPerMinute", "10"), ("MaxConcurrentStreams", "1"));
        var client = cluster[0];
        var id = QuotaClient.NewReservationId();

        var first = await client.AuthorizeAsync(Key, tokens: 100, stream: true, reservationId: id);
        var retried = await client.AuthorizeAsync(Key, tokens: 100, stream: true, reservationId: id);

        Assert.True(first.Allowed);
        Assert.True(retried.Allowed);
        Assert.Equal(id, retried.ReservationId);
        var usage = (await client.UsageAsync(s_keyId)).GetProperty("key");
        Assert.Equal(1, usage.GetProperty("requests_per_minute").GetProperty("used").GetInt64());
        Assert.Equal(100, usage.GetProperty("tokens_today").GetProperty("used").GetInt64());
        Assert.Equal(1, usage.GetProperty("concurrent_streams").GetProperty("used").GetInt64());
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_RequestsPerMinute_RefillsContinuously(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("RequestsPerMinute", "60"));
        var client = cluster[0];
        for (var i = 0; i < 60; i++)
        {
            Assert.True((await client.AuthorizeAsync(Key)).Allowed, $"call {i + 1} of 60 was refused");
        }

        var refused = await client.AuthorizeAsync(Key);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(999));
        var stillRefused = await client.AuthorizeAsync(Key);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1));
        var allowed = await client.AuthorizeAsync(Key);

        Assert.False(refused.Allowed);
        Assert.Equal(1000, refused.RetryAfterMs);
        Assert.Equal(60, refused.RateLimit!.LimitRequests);
        Assert.Equal(0, refused.RateLimit.RemainingRequests);
        Assert.Equal(60_000, refused.RateLimit.ResetRequestsMs);
        Assert.False(stillRefused.Allowed);
        Assert.True(allowed.Allowed);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_TokensPerDay_ResetsAtUtcMidnight(StoreKind store)
    {
        var lateEvening = new DateTimeOffset(2031, 3, 14, 23, 59, 0, TimeSpan.Zero);
        await using var cluster = await StartAsync(store, lateEvening, ("TokensPerDay", "1000"));
        var client = cluster[0];

        var spent = await client.AuthorizeAsync(Key, tokens: 1000);
        var refused = await client.AuthorizeAsync(Key, tokens: 1);
        cluster.Time.Advance(TimeSpan.FromSeconds(60));
        var nextDay = await client.AuthorizeAsync(Key, tokens: 1000);

        Assert.True(spent.Allowed);
        Assert.False(refused.Allowed);
        Assert.Equal("tokens", refused.Error!.Type);
        Assert.Contains("tokens per day (TPD) on API key", refused.Error.Message, StringComparison.Ordinal);
        Assert.Equal(60_000, refused.RetryAfterMs);
        Assert.Equal(0, refused.RateLimit!.RemainingTokens);
        Assert.True(nextDay.Allowed);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_MoreTokensThanTheLimit_RefusedWithoutRetryAfter(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("TokensPerMinute", "1000"));

        var decision = await cluster[0].AuthorizeAsync(Key, tokens: 1001);

        Assert.False(decision.Allowed);
        Assert.Equal(429, decision.Status);
        Assert.Null(decision.RetryAfterMs);
        Assert.StartsWith("Request too large for tokens per minute (TPM)", decision.Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_Allowed_CarriesTheTightestLimits(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("RequestsPerMinute", "100"), ("TokensPerMinute", "10000"), ("TokensPerDay", "1000000"));

        var decision = await cluster[0].AuthorizeAsync(Key, tokens: 500);

        Assert.True(decision.Allowed);
        Assert.Equal(s_keyId, decision.KeyId);
        Assert.Equal("default", decision.Tenant);
        var state = decision.RateLimit!;
        Assert.Equal(100, state.LimitRequests);
        Assert.Equal(99, state.RemainingRequests);
        Assert.Equal(600, state.ResetRequestsMs);
        Assert.Equal(10000, state.LimitTokens);
        Assert.Equal(9500, state.RemainingTokens);
        Assert.Equal(3000, state.ResetTokensMs);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_TenantLimitTighterThanKeys_RefusalNamesTheTenant(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:RequestsPerMinute"] = "10",
            ["AuthQuota:Tenants:default:RequestsPerMinute"] = "2",
        }, redisReplicas: 1);
        var client = cluster[0];

        var first = await client.AuthorizeAsync(Key);
        var second = await client.AuthorizeAsync(Key);
        var third = await client.AuthorizeAsync(Key);

        Assert.True(first.Allowed);
        Assert.Equal(2, first.RateLimit!.LimitRequests);
        Assert.Equal(1, first.RateLimit.RemainingRequests);
        Assert.True(second.Allowed);
        Assert.False(third.Allowed);
        Assert.Contains("requests per minute (RPM) on tenant default", third.Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_NoLimits_AllowedWithoutRateLimitState(StoreKind store)
    {
        await using var cluster = await StartAsync(store);

        var decision = await cluster[0].AuthorizeAsync(Key, tokens: 1_000_000);

        Assert.True(decision.Allowed);
        Assert.Null(decision.RateLimit);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Extend_WhileTheDayHasRoom_AddsToTheReservation_ThenRefusedWithoutChargingAnything(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("TokensPerDay", "3000"));
        var client = cluster[0];
        var stream = await client.AuthorizeAsync(Key, tokens: 1000, stream: true);

        using var extended = await client.ExtendAsync(stream.ReservationId, Key, 1500);
        Assert.Equal(HttpStatusCode.NoContent, extended.StatusCode);
        Assert.Equal(2500, TokensToday(await client.UsageAsync(s_keyId)));

        // 501 more would pass the day's 3,000: refused, and nothing of it is charged.
        using var refused = await client.ExtendAsync(stream.ReservationId, Key, 501);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using (var error = System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal("rate_limit_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Equal(2500, TokensToday(await client.UsageAsync(s_keyId)));
        using var exact = await client.ExtendAsync(stream.ReservationId, Key, 500);
        Assert.Equal(HttpStatusCode.NoContent, exact.StatusCode);

        // The settlement replaces the whole of it (1,000 + 1,500 + 500) with what was used.
        using var settled = await client.SettleAsync(stream.ReservationId, promptTokens: 100, completionTokens: 2_700);
        Assert.Equal(HttpStatusCode.NoContent, settled.StatusCode);
        Assert.Equal(2800, TokensToday(await client.UsageAsync(s_keyId)));
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Extend_PerMinuteBucketFull_RefusedUntilItDrains(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("TokensPerMinute", "1200"));
        var client = cluster[0];
        var stream = await client.AuthorizeAsync(Key, tokens: 1000, stream: true);

        using var refused = await client.ExtendAsync(stream.ReservationId, Key, 500);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        // 1,200 a minute: after 15 s, 300 have drained and 500 fit.
        cluster.Time.Advance(TimeSpan.FromSeconds(15));
        using var extended = await client.ExtendAsync(stream.ReservationId, Key, 500);
        Assert.Equal(HttpStatusCode.NoContent, extended.StatusCode);
        Assert.Equal(1200, (await client.UsageAsync(s_keyId)).GetProperty("key").GetProperty("tokens_per_minute").GetProperty("used").GetInt64());
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Extend_SettledUnknownOrAnotherKeysReservation_IsNotFoundAndChargesNothing(StoreKind store)
    {
        await using var cluster = await StartAsync(store, ("TokensPerDay", "100000"));
        var client = cluster[0];
        var (_, otherKey) = await client.CreateKeyAsync("""{"tenant":"default"}""");
        var stream = await client.AuthorizeAsync(Key, tokens: 100, stream: true);

        using var byAnotherKey = await client.ExtendAsync(stream.ReservationId, otherKey, 50);
        using var unknown = await client.ExtendAsync(QuotaClient.NewReservationId(), Key, 50);
        using var settled = await client.SettleAsync(stream.ReservationId, 10, 10);
        using var afterSettle = await client.ExtendAsync(stream.ReservationId, Key, 50);

        Assert.Equal(HttpStatusCode.NotFound, byAnotherKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterSettle.StatusCode);
        Assert.Equal(20, TokensToday(await client.UsageAsync(s_keyId)));
    }

    private static long TokensToday(System.Text.Json.JsonElement usage) =>
        usage.GetProperty("key").GetProperty("tokens_today").GetProperty("used").GetInt64();

    private Task<QuotaCluster> StartAsync(StoreKind store, params (string Limit, string Value)[] limits) =>
        StartAsync(store, QuotaCluster.Start, limits);

    private Task<QuotaCluster> StartAsync(StoreKind store, DateTimeOffset start, params (string Limit, string Value)[] limits)
    {
        var settings = new Dictionary<string, string?> { ["AuthQuota:ApiKeys"] = Key };
        foreach (var (limit, value) in limits)
        {
            settings[$"AuthQuota:DefaultLimits:{limit}"] = value;
        }

        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(start);
        return store == StoreKind.Redis
            ? QuotaCluster.StartAsync(redis.Server, settings, replicas: 1, time: time)
            : QuotaCluster.StartAsync(null, settings, replicas: 1, time: time);
    }
}
