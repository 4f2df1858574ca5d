using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using AiCdn.CoreRelay;
using AiCdn.CoreRelay.Quota;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Quota.Storage;
using AiCdn.Testing.Quota;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>
/// Decides as a core-relay with the quota store's address does: core-relay's own
/// <see cref="QuotaDecisions"/> with its <see cref="DirectQuota"/>, so a decision is the reserve
/// script against Redis with the key's context from auth-quota (fetched and refreshed in the
/// background exactly as in the core), and auth-quota is asked only while no context is at hand.
/// A settlement names the decision's key and tenant as the core's does, unless
/// <c>routedSettle</c> is false (the baseline: the store reads the reservation's pointer first).
/// </summary>
public sealed class CoreDirectClient : IDecisionClient
{
    private static readonly string s_keyHash = ApiKeyHash.Compute(AuthQuotaServer.ApiKey);

    private readonly ServiceProvider _services;
    private readonly RedisConnection _redis;
    private readonly HttpClient _http;
    private readonly QuotaDecisions _client;
    private readonly DirectQuota _direct;
    private readonly KeyChangeListener _listener;
    private readonly bool _routedSettle;

    public CoreDirectClient(Uri authQuota, string redis, bool routedSettle = true)
    {
        _routedSettle = routedSettle;
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options.Create(new CoreRelayOptions());
        var metrics = new CoreRelayMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), options);
        _redis = new RedisConnection(redis, new RedisStoreOptions(), "benchmark-core", metrics, TimeProvider.System, NullLogger<RedisConnection>.Instance);
        (_direct, _listener) = CoreDecider.ComposeDirect(_redis, options, metrics, TimeProvider.System);
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = authQuota };
        _client = new QuotaDecisions(_http, new ClusterSignature(AuthQuotaServer.ClusterSecret, TimeProvider.System), TimeProvider.System, NullLogger<QuotaDecisions>.Instance, _direct);
    }

    public async Task<AuthorizeDecision> AuthorizeAsync(bool stream)
    {
        var decision = await _client.AuthorizeAsync(new AuthorizeRequest(s_keyHash, "mock-gpt", 600, stream, Guid.NewGuid().ToString("N")), CancellationToken.None);
        return decision.Allowed ? decision : throw new InvalidOperationException($"refused: {decision.Error?.Message}");
    }

    public async Task SettleAsync(AuthorizeDecision decision)
    {
        var request = _routedSettle
            ? new SettleRequest(decision.ReservationId, 100, 400, true, "completed", decision.KeyId, decision.Tenant)
            : new SettleRequest(decision.ReservationId, 100, 400, true, "completed");
        if (!await _client.SettleAsync(request, CancellationToken.None))
        {
            throw new InvalidOperationException("settle was not taken");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _direct.Contexts.Dispose();
        _listener.Dispose();
        _http.Dispose();
        await _redis.DisposeAsync();
        await _services.DisposeAsync();
    }
}
