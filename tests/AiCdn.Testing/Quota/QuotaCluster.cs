using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.Testing.Quota;

/// <summary>
/// auth-quota replicas on real sockets, composed as Program.cs composes them, sharing one fake clock
/// and (for <see cref="StoreKind.Redis"/>) one Redis under a key prefix of their own.
/// </summary>
public sealed class QuotaCluster : IAsyncDisposable
{
    public const string ClusterSecret = "auth-quota-tests-cluster-secret-0123456789";
    public const string AdminToken = "auth-quota-tests-admin-token-0123456789";

    /// <summary>Midday, far from the tokens-per-day boundary.</summary>
    public static readonly DateTimeOffset Start = new(2031, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private readonly List<ServiceHost> _replicas = [];
    private readonly List<QuotaClient> _clients = [];

    private QuotaCluster(FakeTimeProvider time) => Time = time;

    public FakeTimeProvider Time { get; }

    public IReadOnlyList<ServiceHost> Replicas => _replicas;

    public QuotaClient this[int replica] => _clients[replica];

    /// <summary>Starts <paramref name="replicas"/> replicas; <paramref name="redis"/> null means the in-memory store (one replica).</summary>
    public static async Task<QuotaCluster> StartAsync(
        RedisServer? redis,
        IReadOnlyDictionary<string, string?>? settings = null,
        int replicas = 1,
        FakeTimeProvider? time = null,
        string? keyPrefix = null,
        Action<IServiceCollection>? services = null)
    {
        var cluster = new QuotaCluster(time ?? new FakeTimeProvider(Start));
        var configuration = new Dictionary<string, string?>
        {
            ["Cluster:Secret"] = ClusterSecret,
            ["AuthQuota:AdminToken"] = AdminToken,

            // Bursts of 1,000 calls on a shared 2-core machine can hold a Redis reply back for more
            // than the production default of 1 s; a timeout here would test the machine, not the limits.
            ["AuthQuota:Redis:CommandTimeout"] = "00:00:15",
        };
        if (redis is not null)
        {
            configuration["ConnectionStrings:redis"] = redis.ConnectionString;
            configuration["AuthQuota:Redis:KeyPrefix"] = keyPrefix ?? "t" + Guid.NewGuid().ToString("N")[..12];
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        try
        {
            for (var i = 0; i < replicas; i++)
            {
                await cluster.AddReplicaAsync(configuration, services);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public static Task<QuotaCluster> StartAsync(StoreKind store, RedisFixture redis, IReadOnlyDictionary<string, string?>? settings = null, int redisReplicas = 2) =>
        store == StoreKind.Redis
            ? StartAsync(redis.Server, settings, redisReplicas)
            : StartAsync(null, settings, 1);

    public T Service<T>(int replica = 0)
        where T : notnull => _replicas[replica].Services.GetRequiredService<T>();

    private async Task AddReplicaAsync(Dictionary<string, string?> configuration, Action<IServiceCollection>? more)
    {
        var host = await ServiceHost.StartAsync(
            b => { b.AddServiceDefaults(); b.AddAuthQuota(); },
            a => { a.MapDefaultEndpoints(); a.MapAuthQuota(); },
            configuration,
            services =>
            {
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time));
                more?.Invoke(services);
            });
        _replicas.Add(host);
        _clients.Add(new QuotaClient(host.CreateClient(), Time));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
    }
}
