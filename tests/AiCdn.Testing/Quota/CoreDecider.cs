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
/// and <see cref="DirectQuota"/> with its parts, composed as CoreRelayExtensions composes them, on the cluster's clock.
/// </summary>
public sealed class CoreDecider : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly RedisConnection _redis;
    private readonly HttpClient _http;
    private readonly TimeSpan _maxAge;

    /// <summary>The Redis client name of every test core (in <c>CLIENT LIST</c>).</summary>
    public const string ClientName = "core-relay-test";

    public CoreDecider(Uri authQuota, string redis, TimeProvider time)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var options = Options.Create(new CoreRelayOptions());
        _maxAge = options.Value.KeyContextMaxAge;
        var metrics = new CoreRelayMetrics(meters, options);
        Decisions = new MetricCollector<long>(meters, CoreRelayMetrics.MeterName, "aicdn.quota.decisions");
        _redis = new RedisConnection(redis, new RedisStoreOptions { CommandTimeout = TimeSpan.FromSeconds(15) }, ClientName, metrics, time, NullLogger<RedisConnection>.Instance);
        (Direct, Listener) = ComposeDirect(_redis, options, metrics, time);
        _http = new HttpClient(new CallCounter(this) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = authQuota, Timeout = TimeSpan.FromMinutes(2) };
        Client = new QuotaDecisions(_http, new ClusterSignature(QuotaCluster.ClusterSecret, time), time, NullLogger<QuotaDecisions>.Instance, Direct);
    }

    /// <summary>The core's direct path (verifier, key-change listener, context cache, decisions), composed as CoreRelayExtensions registers it.</summary>
    public static (DirectQuota Direct, KeyChangeListener Listener) ComposeDirect(
        RedisConnection redis, IOptions<CoreRelayOptions> options, CoreRelayMetrics metrics, TimeProvider time)
    {
        var stores = new QuotaStoreVerifier(redis, time, NullLogger<QuotaStoreVerifier>.Instance);
        var listener = new KeyChangeListener(redis, stores, options, time, NullLogger<KeyChangeListener>.Instance);
        return (new DirectQuota(new KeyContextCache(stores, listener, options, time), stores, listener, metrics, time), listener);
    }

    public DirectQuota Direct { get; }

    public KeyChangeListener Listener { get; }

    /// <summary>Whether this core hears key changes now (and so lets announced contexts live long).</summary>
    public bool HearsKeyChanges => Listener.HearsKeyChanges;

    /// <summary>Whether no probe is out: advance the fake clock only then, or the probe times out.</summary>
    public bool ProbeSettled => Listener.ProbeSettled;

    /// <summary>Whether this core holds a context for the key that it may decide with now.</summary>
    public bool HasUsableContext(string keyHash) => Direct.Contexts.Peek(keyHash) is not null;

    /// <summary>Whether the key's context is being fetched now.</summary>
    public bool IsFetching(string keyHash) => Direct.Contexts.FetchInFlight(keyHash) is not null;

    /// <summary>When the held context for the key was taken (a TimeProvider timestamp), usable or not; null when none is held.</summary>
    public long? ContextTimestamp(string keyHash) => Direct.Contexts.Held(keyHash)?.Timestamp;

    /// <summary>Whether the held context for the key may live <see cref="CoreRelayOptions.KeyContextMaxAge"/> now.</summary>
    public bool IsLongLived(string keyHash) => Direct.Contexts.Held(keyHash) is { } held && Direct.Contexts.Lifetime(held) == _maxAge;

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
                if (!HasUsableContext(hash) && !IsFetching(hash))
                {
                    await AuthorizeAsync(apiKey);
                }

                return HasUsableContext(hash);
            },
            TimeSpan.FromSeconds(30),
            "the core holds the key's context");
        return first;
    }

    public async ValueTask DisposeAsync()
    {
        Direct.Contexts.Dispose();
        Listener.Dispose();
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
