using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using AiCdn.CoreRelay;
using AiCdn.CoreRelay.Quota;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Quota.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiCdn.Testing.Quota;

/// <summary>
/// What a core-relay with the quota store's address decides with: its own <see cref="QuotaDecisions"/>
/// and <see cref="DirectQuota"/>, composed as CoreRelayExtensions composes them, on the cluster's clock.
/// </summary>
public sealed class CoreDecider : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly RedisConnection _redis;
    private readonly HttpClient _http;

    /// <summary>The Redis client name of every test core (in <c>CLIENT LIST</c>).</summary>
    public const string ClientName = "core-relay-test";

    public CoreDecider(Uri authQuota, string redis, TimeProvider time)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var options = Options.Create(new CoreRelayOptions());
        var metrics = new CoreRelayMetrics(meters, options);
        Decisions = new MetricCollector<long>(meters, CoreRelayMetrics.MeterName, "aicdn.quota.decisions");
        _redis = new RedisConnection(redis, new RedisStoreOptions { CommandTimeout = TimeSpan.FromSeconds(15) }, ClientName, metrics, time, NullLogger<RedisConnection>.Instance);
        Direct = new DirectQuota(_redis, options, metrics, time, NullLogger<DirectQuota>.Instance);
        _http = new HttpClient(new CallCounter(this) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = authQuota, Timeout = TimeSpan.FromMinutes(2) };
        Client = new QuotaDecisions(_http, new ClusterSignature(QuotaCluster.ClusterSecret, time), time, NullLogger<QuotaDecisions>.Instance, Direct);
    }

    public DirectQuota Direct { get; }

    /// <summary>This core's link to Redis (to watch or break it in tests).</summary>
    public RedisConnection Redis => _redis;

    public QuotaDecisions Client { get; }

    /// <summary>The decisions this core made against Redis itself (auth-quota's are counted there).</summary>
    public MetricCollector<long> Decisions { get; }

    public long DirectDecisions => Decisions.GetMeasurementSnapshot().Sum(m => m.Value);

    /// <summary>Calls this core made to auth-quota, by path.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> AuthQuotaCalls { get; } = new();

    public Task<AuthorizeDecision> AuthorizeAsync(string apiKey, long tokens = 10, bool stream = false, string? model = "mock-gpt") =>
        Client.AuthorizeAsync(new AuthorizeRequest(ApiKeyHash.Compute(apiKey), model, (int)tokens, stream, QuotaClient.NewReservationId()), CancellationToken.None);

    /// <summary>Decides once through auth-quota (which hands over the key's context), then waits until the context is held.</summary>
    public async Task<AuthorizeDecision> PrimeAsync(string apiKey)
    {
        var hash = ApiKeyHash.Compute(apiKey);
        var first = await AuthorizeAsync(apiKey);

        // A fetch that began before a change to the key was heard (one announced just before this
        // call, still on its way) is not held: then a later call fetches it again.
        await AiCdn.Testing.Wait.UntilAsync(
            async () =>
            {
                if (!Direct.HasUsableContext(hash) && !Direct.IsFetching(hash))
                {
                    await AuthorizeAsync(apiKey);
                }

                return Direct.HasUsableContext(hash);
            },
            TimeSpan.FromSeconds(30),
            "the core holds the key's context");
        return first;
    }

    public async ValueTask DisposeAsync()
    {
        Direct.Dispose();
        Decisions.Dispose();
        _http.Dispose();
        await _redis.DisposeAsync();
        await _services.DisposeAsync();
    }

    private sealed class CallCounter(CoreDecider decider) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            decider.AuthQuotaCalls.AddOrUpdate(request.RequestUri?.AbsolutePath ?? "", 1, (_, count) => count + 1);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
