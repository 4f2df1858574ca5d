using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiCdn.AuthQuota;
using AiCdn.AuthQuota.Keys;
using AiCdn.AuthQuota.Keys.Redis;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using AiCdn.Quota.Keys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace AiCdn.CoreRelay.Tests;

/// <summary>
/// core-relay deciding against Redis itself (DirectQuota): limits still hold exactly with two cores
/// and auth-quota deciding at once, admin changes still reach the core within a second (at once while
/// it hears key changes, which lets contexts live long), and anything
/// the core cannot decide (Redis down, another Redis) goes to auth-quota and its failure mode.
/// </summary>
public sealed class DirectDecisionTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Key = "sk-aicdn-direct-key-0001";

    [Fact]
    public async Task TwoCoresDecidingDirectly_ThousandConcurrentAgainstHundredRequestsPerMinute_ExactlyHundredAllowed()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 100), replicas: 2);
        await using var coreA = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        await using var coreB = new CoreDecider(cluster.Replicas[1].Address, redis.Server.ConnectionString, cluster.Time);
        var primed = new[] { await coreA.PrimeAsync(Key), await coreB.PrimeAsync(Key) };

        // 998 more calls at once: two cores deciding in Redis and auth-quota replicas deciding over HTTP.
        var burst = await Task.WhenAll(Enumerable.Range(0, 998).Select(i => (i % 4) switch
        {
            0 or 1 => coreA.AuthorizeAsync(Key),
            2 => coreB.AuthorizeAsync(Key),
            _ => cluster[i % 2].AuthorizeAsync(Key, tokens: 10),
        }));

        var decisions = primed.Concat(burst).ToArray();
        Assert.Equal(100, decisions.Count(d => d.Allowed));
        Assert.All(decisions.Where(d => !d.Allowed), d =>
        {
            Assert.Equal(429, d.Status);
            Assert.Equal("rate_limit_exceeded", d.Error!.Code);
            Assert.Contains("requests per minute (RPM) on API key", d.Error.Message, StringComparison.Ordinal);
        });

        // Every one of the cores' burst calls was decided in Redis by the core itself.
        Assert.Equal(749, coreA.DirectDecisions + coreB.DirectDecisions);
        var usage = await cluster[0].UsageAsync(KeyId(Key));
        Assert.Equal(100, usage.GetProperty("key").GetProperty("requests_per_minute").GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task CoreDecidingDirectly_ConcurrentStreamsAndSettlement_LeasesAndTokensAsAuthQuotaKeepsThem()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:MaxConcurrentStreams"] = "2",
            ["AuthQuota:DefaultLimits:TokensPerMinute"] = "100000",
        });
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var first = await core.PrimeAsync(Key);
        Assert.True(first.Allowed);
        Assert.True(await core.Client.SettleAsync(new SettleRequest(first.ReservationId, 5, 5, true, "completed"), CancellationToken.None));

        var streamA = await core.AuthorizeAsync(Key, tokens: 1000, stream: true);
        var streamB = await core.AuthorizeAsync(Key, tokens: 1000, stream: true);
        var streamC = await core.AuthorizeAsync(Key, tokens: 1000, stream: true);
        Assert.True(streamA.Allowed && streamB.Allowed);
        Assert.Equal(429, streamC.Status);
        Assert.Equal(1000, streamC.RetryAfterMs);

        // Settled by the core in Redis: the lease is free again and the estimate becomes the real count.
        Assert.True(await core.Client.SettleAsync(new SettleRequest(streamA.ReservationId, 100, 150, true, "completed"), CancellationToken.None));
        var streamD = await core.AuthorizeAsync(Key, tokens: 1000, stream: true);
        Assert.True(streamD.Allowed);
        Assert.Equal(4, core.DirectDecisions);

        var usage = await cluster[0].UsageAsync(KeyId(Key));
        Assert.Equal(2, usage.GetProperty("key").GetProperty("concurrent_streams").GetProperty("used").GetInt64());
        Assert.Equal(10 + 250 + 1000 + 1000, usage.GetProperty("key").GetProperty("tokens_today").GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task ContextPastHalfItsLifetime_RefreshedInTheBackground_DecisionsStayDirect()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = ApiKeyHash.Compute(Key);
        await core.PrimeAsync(Key);
        var firstTaken = core.ContextTimestamp(hash);

        // Past half the TTL: decided here, and a fresh context is fetched (the context endpoint).
        cluster.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True((await core.AuthorizeAsync(Key)).Allowed);
        await AiCdn.Testing.Wait.UntilAsync(() => core.ContextTimestamp(hash) != firstTaken, TimeSpan.FromSeconds(30), "the context is refreshed");

        // 600 ms after the first context, still decided here with the refreshed one.
        cluster.Time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True((await core.AuthorizeAsync(Key)).Allowed);
        Assert.Equal(2, core.DirectDecisions);
    }

    [Fact]
    public async Task BurstOnAKeyWithoutContext_OneCallAsksAuthQuota_TheRestWaitForTheContextAndDecideHere()
    {
        // Each asking auth-quota is the herd that, on a busy machine, timed auth-quota out (503 auth_unavailable).
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = ApiKeyHash.Compute(Key);

        var keyChecks = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => core.Client.CheckKeyAsync(hash, CancellationToken.None)));
        var decisions = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => core.AuthorizeAsync(Key)));

        Assert.All(keyChecks, Assert.Null);
        Assert.All(decisions, decision => Assert.True(decision.Allowed));
        Assert.Equal(1, core.AuthQuotaCalls.GetValueOrDefault(QuotaRoutes.Authorize));
        Assert.Equal(49, core.DirectDecisions);

        // Past even the long lifetime: a key check arriving while the context is fetched again waits for it.
        cluster.Time.Advance(new CoreRelay.CoreRelayOptions().KeyContextMaxAge + TimeSpan.FromSeconds(1));
        var fetching = core.AuthorizeAsync(Key);
        var check = core.Client.CheckKeyAsync(hash, CancellationToken.None);
        Assert.Null(await check);
        Assert.True((await fetching).Allowed);
        Assert.Equal(10, core.AuthQuotaCalls.GetValueOrDefault(QuotaRoutes.KeyCheck));
    }

    [Fact]
    public async Task ClientGoneWhileTheContextWasBeingFetched_NextCallStillFetchesIt()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        using var gone = new CancellationTokenSource();
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => core.Client.AuthorizeAsync(
            new AuthorizeRequest(ApiKeyHash.Compute(Key), "mock-gpt", 10, false, QuotaClient.NewReservationId()), gone.Token));

        Assert.True((await core.PrimeAsync(Key)).Allowed);
        Assert.True((await core.AuthorizeAsync(Key)).Allowed);
        Assert.Equal(1, core.DirectDecisions);
    }

    [Fact]
    public async Task KeyDisabledThroughAdminApi_CoreRefusesOnceItsContextIsOlderThanItsTtl()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        var (id, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","name":"direct"}""");
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        await core.PrimeAsync(key);
        Assert.True((await core.AuthorizeAsync(key)).Allowed);

        using var disable = await cluster[0].AdminAsync(HttpMethod.Patch, $"/admin/keys/{id}", """{"enabled":false}""");
        disable.EnsureSuccessStatusCode();

        // The context is at most KeyContextTtl (500 ms, validated to at most 1 s) old when used.
        cluster.Time.Advance(TimeSpan.FromMilliseconds(501));
        var refused = await core.AuthorizeAsync(key);

        Assert.False(refused.Allowed);
        Assert.Equal(401, refused.Status);
        Assert.Equal("api_key_disabled", refused.Error!.Code);
    }

    [Fact]
    public async Task SparseKey_CallsFurtherApartThanTheShortTtl_StillDecidedHere()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = await LongLivedContextAsync(cluster, core, Key);

        // Ten seconds of silence (twenty short TTLs): the key's next call is still decided here, and
        // the context, used past the short TTL, is refreshed in the background.
        var taken = core.ContextTimestamp(hash);
        await AdvanceAsync(cluster, core, TimeSpan.FromSeconds(10));
        var before = core.DirectDecisions;
        Assert.True((await core.AuthorizeAsync(Key)).Allowed);
        Assert.Equal(before + 1, core.DirectDecisions);
        await AiCdn.Testing.Wait.UntilAsync(() => core.ContextTimestamp(hash) != taken, TimeSpan.FromSeconds(30), "the context is refreshed");
        Assert.True(core.IsLongLived(hash));
    }

    [Fact]
    public async Task LongLivedContext_KeyDisabledThroughAdminApi_DroppedAtOnceAndRefused()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        var (id, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","name":"long-lived"}""");
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = await LongLivedContextAsync(cluster, core, key);

        // No time passes: the announcement alone drops the context.
        await ChangeKeyAsync(cluster, core, hash, HttpMethod.Patch, $"/admin/keys/{id}", """{"enabled":false}""");

        var refused = await core.AuthorizeAsync(key);
        Assert.False(refused.Allowed);
        Assert.Equal(401, refused.Status);
        Assert.Equal("api_key_disabled", refused.Error!.Code);
    }

    [Fact]
    public async Task LongLivedContext_LimitLoweredThenKeyDeleted_EachChangeHoldsAtOnce()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        var (id, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","name":"lowered"}""");
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = await LongLivedContextAsync(cluster, core, key);

        // The setup's second call is still in the bucket (the first drained at 1,000/min over the
        // 2.1 s between them); a limit of 2 leaves room for exactly one more.
        await ChangeKeyAsync(cluster, core, hash, HttpMethod.Patch, $"/admin/keys/{id}", """{"limits":{"requests_per_minute":2}}""");
        var decisions = new[] { await core.AuthorizeAsync(key), await core.AuthorizeAsync(key), await core.AuthorizeAsync(key) };
        Assert.Equal([true, false, false], decisions.Select(d => d.Allowed));
        Assert.All(decisions.Skip(1), d => Assert.Equal("rate_limit_exceeded", d.Error!.Code));

        // A context fetched right after a change lives only the short TTL (auth-quota's caches may lag).
        await AiCdn.Testing.Wait.UntilAsync(() => core.ContextTimestamp(hash) is not null, TimeSpan.FromSeconds(30), "the refetched context is held");
        Assert.True(core.HasUsableContext(hash));
        Assert.False(core.IsLongLived(hash));

        await ChangeKeyAsync(cluster, core, hash, HttpMethod.Delete, $"/admin/keys/{id}");
        var gone = await core.AuthorizeAsync(key);
        Assert.Equal(401, gone.Status);
        Assert.Equal("invalid_api_key", gone.Error!.Code);
    }

    [Fact]
    public async Task ContextFetchedBeforeAChangeAndAnsweredAfterIt_NotHeld_NextCallRefused()
    {
        await using var cluster = await StartGatedClusterAsync();
        var (id, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","name":"raced"}""");
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = await LongLivedContextAsync(cluster, core, key);

        // The refresh reads the record while it is still enabled, and is held there.
        var gated = await HoldNextRefreshAsync(cluster, core, key);
        Assert.True(core.IsFetching(hash));

        // The key is disabled while that read is out; then the read answers with the old record.
        await ChangeKeyAsync(cluster, core, hash, HttpMethod.Patch, $"/admin/keys/{id}", """{"enabled":false}""");
        await ReleaseRefreshAsync(gated, core, hash);

        // The core heard the change after the fetch began: the stale context is not held, so the next
        // call goes to auth-quota and no fake time has to pass for the disable to hold.
        Assert.False(core.HasUsableContext(hash));
        var refused = await core.AuthorizeAsync(key);
        Assert.Equal(401, refused.Status);
        Assert.Equal("api_key_disabled", refused.Error!.Code);
    }

    [Fact]
    public async Task ContextFetchedBeforeAnEverythingChangeAndAnsweredAfterIt_NotHeld()
    {
        await using var cluster = await StartGatedClusterAsync();
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = await LongLivedContextAsync(cluster, core, Key);
        var gated = await HoldNextRefreshAsync(cluster, core, Key);

        // '*' (what a declarative sync announces) is heard while the refresh is out.
        var prefix = cluster.Service<Microsoft.Extensions.Options.IOptions<AuthQuotaOptions>>().Value.Redis.KeyPrefix;
        await using (var publisher = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString))
        {
            await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal(KeyChangeChannel.Name(prefix)), KeyChangeChannel.Everything);
        }

        await AiCdn.Testing.Wait.UntilAsync(() => !core.HasUsableContext(hash), TimeSpan.FromSeconds(30), "'*' drops the context");
        await ReleaseRefreshAsync(gated, core, hash);
        Assert.False(core.HasUsableContext(hash));
    }

    [Fact]
    public async Task ReplicaOnOldTenantLimitsStops_ContextsItHandedOutDroppedAtOnce()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        Dictionary<string, string?> Settings(long tenantRpm) => new(Limits(rpm: 1000))
        {
            ["AuthQuota:Tenants:default:RequestsPerMinute"] = tenantRpm.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // A rollout of a lower tenant limit: the new replica is up, the old one still serves, and a
        // core holds a long-lived context the old one built (with the old limit).
        var old = await QuotaCluster.StartAsync(redis.Server, Settings(1000), keyPrefix: prefix);
        var stopped = false;
        try
        {
            await using var rolledOut = await QuotaCluster.StartAsync(redis.Server, Settings(2), time: old.Time, keyPrefix: prefix);
            await using var core = new CoreDecider(old.Replicas[0].Address, redis.Server.ConnectionString, old.Time);
            var hash = await LongLivedContextAsync(old, core, Key);

            // The old replica stops (gracefully, as a rollout stops it): its '*' drops the context
            // with no time passing, instead of leaving the old limit in force for up to 60 s.
            await old.DisposeAsync();
            stopped = true;
            await AiCdn.Testing.Wait.UntilAsync(() => !core.HasUsableContext(hash), TimeSpan.FromSeconds(30), "the stopping replica's '*' drops the context");
        }
        finally
        {
            if (!stopped)
            {
                await old.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task LongLivedContexts_KeysFileLowersTheirTenantsLimit_EveryContextDroppedAtOnce()
    {
        const string second = "sk-aicdn-direct-key-0002";
        var directory = Directory.CreateTempSubdirectory("aicdn-keys-");
        try
        {
            var file = Path.Combine(directory.FullName, "keys.yaml");
            string Yaml(long tenantRpm) =>
                $"tenants:\n  acme:\n    requests_per_minute: {tenantRpm}\nkeys:\n  - key: {Key}\n    tenant: acme\n  - key: {second}\n    tenant: acme\n";
            await File.WriteAllTextAsync(file, Yaml(1000));
            await using var cluster = await QuotaCluster.StartAsync(redis.Server, new Dictionary<string, string?> { ["AuthQuota:KeysFile"] = file });
            await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
            var hashes = new[] { await LongLivedContextAsync(cluster, core, Key), await LongLivedContextAsync(cluster, core, second) };

            // Only the tenant's limit changes, which no key record carries: the file's sync announces
            // '*', and no time passes on the core's clock while it drops both contexts.
            await File.WriteAllTextAsync(file, Yaml(2));
            await AiCdn.Testing.Wait.UntilAsync(() => hashes.All(h => !core.HasUsableContext(h)), TimeSpan.FromSeconds(30), "the file's new tenant limit drops every context");

            // The tenant's bucket holds the last call (the earlier ones drained at 1,000/min over the
            // 2.1 s steps), so the new limit of 2 lets one more through and refuses the next; with
            // the old contexts (1,000/min) both would pass.
            var decisions = new[] { await core.AuthorizeAsync(Key), await core.AuthorizeAsync(second) };
            Assert.Equal([true, false], decisions.Select(d => d.Allowed));
            Assert.Equal("rate_limit_exceeded", decisions[1].Error!.Code);
            Assert.Contains("on tenant acme", decisions[1].Error!.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SubscriptionLinkKilled_KeyDisabledMeanwhile_RefusedWithinOneSecond_ThenTrustedAgain()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        var (id, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","name":"deaf"}""");
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = await LongLivedContextAsync(cluster, core, key);

        // Kill only this core's subscription connection and disable the key at once: the
        // announcement may be lost. Whether it is or not, the key is refused within a second.
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        core.Redis.AnyLinkLost += () => lost.TrySetResult();
        await using (var admin = await AdminConnectionAsync())
        {
            var server = admin.GetServer(admin.GetEndPoints()[0]);
            var subscriber = (await server.ClientListAsync()).Single(c => c.Name == CoreDecider.ClientName && c.SubscriptionCount > 0);
            await server.ClientKillAsync(id: subscriber.Id);
        }

        using (var disable = await cluster[0].AdminAsync(HttpMethod.Patch, $"/admin/keys/{id}", """{"enabled":false}"""))
        {
            disable.EnsureSuccessStatusCode();
        }

        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30));
        for (var step = 0; step < 4; step++)
        {
            cluster.Time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(100);
        }

        Assert.Equal("api_key_disabled", (await core.AuthorizeAsync(key)).Error!.Code);

        // The link comes back by itself and its probes come through again: contexts live long again.
        using (var enable = await cluster[0].AdminAsync(HttpMethod.Patch, $"/admin/keys/{id}", """{"enabled":true}"""))
        {
            enable.EnsureSuccessStatusCode();
        }

        for (var i = 0; i < 120 && !(core.HearsKeyChanges && core.ProbeSettled); i++)
        {
            await Task.Delay(250);
            cluster.Time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.True(core.HearsKeyChanges, "the subscription was confirmed again");
        await LongLivedContextAsync(cluster, core, key);
    }

    [Fact]
    public async Task ProbeNotBackWithinItsLease_ContextsFallBackToTheShortTtl()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = await LongLivedContextAsync(cluster, core, Key);

        // Stop this core's subscription from hearing anything (as a silently dead link would) without
        // any failure event: its probes stop coming back, and within the lease the trust ends.
        await using (var admin = await AdminConnectionAsync())
        {
            var server = admin.GetServer(admin.GetEndPoints()[0]);
            await server.ExecuteAsync("CLIENT", "PAUSE", "100000", "WRITE");
            try
            {
                for (var step = 0; step < 4 && core.HearsKeyChanges; step++)
                {
                    cluster.Time.Advance(TimeSpan.FromMilliseconds(250));
                    await Task.Delay(100);
                }

                Assert.False(core.HearsKeyChanges);
                Assert.False(core.HasUsableContext(hash));
            }
            finally
            {
                await server.ExecuteAsync("CLIENT", "UNPAUSE");
            }
        }
    }

    [Fact]
    public async Task LongLivedContext_KeyNotSeenAgain_SweptAfterItsMaxAge()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var hash = await LongLivedContextAsync(cluster, core, Key);

        await AdvanceAsync(cluster, core, TimeSpan.FromSeconds(59));
        Assert.True(core.HasUsableContext(hash));
        Assert.NotNull(core.ContextTimestamp(hash));

        // Past the 60 s maximum age and the next 30 s sweep, the entry is gone without the key being called.
        await AdvanceAsync(cluster, core, TimeSpan.FromSeconds(31));
        Assert.Null(core.ContextTimestamp(hash));
    }

    [Fact]
    public async Task WrongModelOrUnknownKey_RefusedWithTheSameErrorsAsAuthQuotaGives()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        var (_, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","name":"models","models":["gpt-4o*"]}""");
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        await core.PrimeAsync(key);

        var wrongModel = await core.AuthorizeAsync(key, model: "mock-gpt");
        var rightModel = await core.AuthorizeAsync(key, model: "gpt-4o-mini");
        var unknown = await core.AuthorizeAsync("sk-aicdn-never-issued-000000000001");

        Assert.Equal(403, wrongModel.Status);
        Assert.Equal("model_not_allowed", wrongModel.Error!.Code);
        Assert.True(rightModel.Allowed);
        Assert.Equal(2, core.DirectDecisions);
        Assert.Equal(401, unknown.Status);
        Assert.Equal("invalid_api_key", unknown.Error!.Code);
        Assert.False(core.HasUsableContext(ApiKeyHash.Compute("sk-aicdn-never-issued-000000000001")));
    }

    [Fact]
    public async Task RedisKilled_CoreLeavesTheDecisionToAuthQuota_FailClosed503()
    {
        await using var ownRedis = await RedisServer.StartAsync();
        await using var cluster = await QuotaCluster.StartAsync(ownRedis, Limits(rpm: 100));
        await using var core = new CoreDecider(cluster.Replicas[0].Address, ownRedis.ConnectionString, cluster.Time);
        await core.PrimeAsync(Key);

        await ownRedis.KillAsync();
        var down = await core.AuthorizeAsync(Key);

        Assert.False(down.Allowed);
        Assert.Equal(503, down.Status);
        Assert.Equal("quota_store_unavailable", down.Error!.Code);
        Assert.Equal(0, core.DirectDecisions);
    }

    [Fact]
    public async Task CorePointedAtAnotherRedis_DecisionsStayWithAuthQuota_LimitStillExact()
    {
        await using var otherRedis = await RedisServer.StartAsync();
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 10));
        await using var core = new CoreDecider(cluster.Replicas[0].Address, otherRedis.ConnectionString, cluster.Time);

        var decisions = new List<AuthorizeDecision>();
        for (var i = 0; i < 30; i++)
        {
            decisions.Add(await core.AuthorizeAsync(Key));
        }

        Assert.Equal(10, decisions.Count(d => d.Allowed));
        Assert.Equal(0, core.DirectDecisions);
        Assert.False(core.HasUsableContext(ApiKeyHash.Compute(Key)));
    }

    [Fact]
    public async Task KeyContextEndpoint_BadHashUnknownKeyOrMemoryStore_ClearErrors()
    {
        await using var onRedis = await QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000));
        await using var inMemory = await QuotaCluster.StartAsync(null, Limits(rpm: 1000));

        using var badHash = await onRedis[0].SendSignedAsync(QuotaRoutes.KeyContext, JsonContent.Create(new { key_hash = "not-a-digest" }));
        using var unknown = await onRedis[0].SendSignedAsync(QuotaRoutes.KeyContext, JsonContent.Create(new { key_hash = ApiKeyHash.Compute("sk-aicdn-never-issued-000000000002") }));
        using var known = await onRedis[0].SendSignedAsync(QuotaRoutes.KeyContext, JsonContent.Create(new { key_hash = ApiKeyHash.Compute(Key) }));
        using var memory = await inMemory[0].SendSignedAsync(QuotaRoutes.KeyContext, JsonContent.Create(new { key_hash = ApiKeyHash.Compute(Key) }));
        using var unsigned = await onRedis[0].Http.PostAsync(QuotaRoutes.KeyContext, JsonContent.Create(new { key_hash = ApiKeyHash.Compute(Key) }));

        Assert.Equal(HttpStatusCode.BadRequest, badHash.StatusCode);
        Assert.Equal("key_hash", (await ErrorOf(badHash)).GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("invalid_api_key", (await ErrorOf(unknown)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, memory.StatusCode);
        Assert.Equal("no_shared_store", (await ErrorOf(memory)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);

        // The context names the key and its limits, never the key or its digest.
        var body = await known.Content.ReadAsStringAsync();
        using var context = JsonDocument.Parse(body);
        Assert.Equal(KeyId(Key), context.RootElement.GetProperty("key_id").GetString());
        Assert.Equal(1000, context.RootElement.GetProperty("limits").GetProperty("requests_per_minute").GetInt64());
        Assert.Equal(32, context.RootElement.GetProperty("store_id").GetString()!.Length);
        Assert.DoesNotContain(ApiKeyHash.Compute(Key), body, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, body, StringComparison.Ordinal);
    }

    /// <summary>
    /// Brings the core to hold a long-lived context for <paramref name="key"/>: it hears key changes,
    /// and the context was fetched after the settle time that follows confirming the link.
    /// Makes two calls (both decided by auth-quota).
    /// </summary>
    private static async Task<string> LongLivedContextAsync(QuotaCluster cluster, CoreDecider core, string key)
    {
        var hash = ApiKeyHash.Compute(key);
        Assert.True((await core.PrimeAsync(key)).Allowed);
        await AiCdn.Testing.Wait.UntilAsync(() => core.HearsKeyChanges, TimeSpan.FromSeconds(30), "the core hears key changes");
        await AdvanceAsync(cluster, core, TimeSpan.FromSeconds(2.1));
        Assert.True((await core.AuthorizeAsync(key)).Allowed);
        await AiCdn.Testing.Wait.UntilAsync(() => core.IsLongLived(hash), TimeSpan.FromSeconds(30), "the core holds a long-lived context");
        return hash;
    }

    /// <summary>One auth-quota replica whose key lookups can be held after reading (<see cref="GatedKeyStore"/>).</summary>
    private Task<QuotaCluster> StartGatedClusterAsync() =>
        QuotaCluster.StartAsync(redis.Server, Limits(rpm: 1000), services: s =>
            s.Replace(ServiceDescriptor.Singleton<IKeyStore>(sp => new GatedKeyStore(ActivatorUtilities.CreateInstance<RedisKeyStore>(sp)))));

    /// <summary>
    /// Makes the core's next call refresh the key's context in the background (past half the short
    /// TTL) and that refresh read the record from Redis (past auth-quota's KeyCacheTtl), then holds
    /// the read after it has the record.
    /// </summary>
    private static async Task<GatedKeyStore> HoldNextRefreshAsync(QuotaCluster cluster, CoreDecider core, string key)
    {
        var gated = (GatedKeyStore)cluster.Service<IKeyStore>();
        gated.Arm();
        await AdvanceAsync(cluster, core, TimeSpan.FromSeconds(0.6));
        Assert.True((await core.AuthorizeAsync(key)).Allowed);
        await gated.Held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return gated;
    }

    /// <summary>Lets the held read answer and waits until the core has taken (or dropped) what it fetched.</summary>
    private static async Task ReleaseRefreshAsync(GatedKeyStore gated, CoreDecider core, string hash)
    {
        gated.Release();
        await AiCdn.Testing.Wait.UntilAsync(() => !core.IsFetching(hash), TimeSpan.FromSeconds(30), "the refresh has answered");
    }

    /// <summary>Changes a key through the admin API and waits until the announcement has dropped the core's context for it.</summary>
    private static async Task ChangeKeyAsync(QuotaCluster cluster, CoreDecider core, string hash, HttpMethod method, string path, string? json = null)
    {
        using var response = await cluster[0].AdminAsync(method, path, json);
        response.EnsureSuccessStatusCode();
        await AiCdn.Testing.Wait.UntilAsync(() => !core.HasUsableContext(hash), TimeSpan.FromSeconds(30), $"{method} {path} drops the context");
    }

    /// <summary>A connection allowed to run CLIENT commands, to break this core's link in tests.</summary>
    private Task<ConnectionMultiplexer> AdminConnectionAsync() => ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString + ",allowAdmin=true");

    /// <summary>Advances the fake clock once the core's probe is back (advancing past an outstanding probe's lease would end the trust).</summary>
    private static async Task AdvanceAsync(QuotaCluster cluster, CoreDecider core, TimeSpan by)
    {
        await AiCdn.Testing.Wait.UntilAsync(() => core.ProbeSettled, TimeSpan.FromSeconds(30), "the core's probe is back");
        cluster.Time.Advance(by);
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

    [Fact]
    public async Task CoreDecidingDirectly_StreamExtension_DecidedInRedisAgainstTheDailyLimit()
    {
        await using var cluster = await QuotaCluster.StartAsync(redis.Server, new Dictionary<string, string?>
        {
            ["AuthQuota:ApiKeys"] = Key,
            ["AuthQuota:DefaultLimits:TokensPerDay"] = "1000",
        });
        await using var core = new CoreDecider(cluster.Replicas[0].Address, redis.Server.ConnectionString, cluster.Time);
        var primed = await core.PrimeAsync(Key);
        var stream = await core.AuthorizeAsync(Key, tokens: 400, stream: true);
        Assert.True(stream.Allowed);

        var hash = ApiKeyHash.Compute(Key);
        var before = await TokensTodayAsync();
        var extended = await core.Client.ExtendAsync(stream.ReservationId, hash, 500, CancellationToken.None);

        // The priming calls (10 each) + 400 + 500: one token more than is left would pass 1,000.
        var refused = await core.Client.ExtendAsync(stream.ReservationId, hash, 1000 - before - 500 + 1, CancellationToken.None);

        Assert.Equal(Accounting.ExtensionResult.Extended, extended);
        Assert.Equal(Accounting.ExtensionResult.Refused, refused);
        Assert.Equal(0, core.AuthQuotaCalls.GetValueOrDefault(QuotaRoutes.Extend(stream.ReservationId)));
        Assert.Equal(before + 500, await TokensTodayAsync());
        Assert.True(primed.Allowed);

        async Task<long> TokensTodayAsync() =>
            (await cluster[0].UsageAsync(KeyId(Key))).GetProperty("key").GetProperty("tokens_today").GetProperty("used").GetInt64();
    }

    private static Dictionary<string, string?> Limits(long rpm) => new()
    {
        ["AuthQuota:ApiKeys"] = Key,
        ["AuthQuota:DefaultLimits:RequestsPerMinute"] = rpm.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string KeyId(string key) => "key_" + ApiKeyHash.Compute(key)[..16];
}
