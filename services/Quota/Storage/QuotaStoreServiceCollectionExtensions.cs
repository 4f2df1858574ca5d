using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiCdn.Quota.Storage;

/// <summary>The one way a service connects to the quota store's Redis: auth-quota and core-relay both register it so.</summary>
public static class QuotaStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="RedisConnection"/> to <paramref name="connectionString"/> as a singleton
    /// and a hosted service (it connects at start-up and closes at shutdown), named
    /// <paramref name="clientName"/> in Redis's CLIENT LIST and reporting to <typeparamref name="TObserver"/>,
    /// the service's metrics class.
    /// </summary>
    public static IServiceCollection AddQuotaStoreConnection<TObserver>(
        this IServiceCollection services, string connectionString, string clientName, Func<IServiceProvider, RedisStoreOptions> options)
        where TObserver : class, IQuotaStoreObserver
    {
        services.AddSingleton(sp => new RedisConnection(
            connectionString,
            options(sp),
            clientName,
            sp.GetRequiredService<TObserver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisConnection>>()));
        services.AddHostedService(sp => sp.GetRequiredService<RedisConnection>());
        return services;
    }
}
