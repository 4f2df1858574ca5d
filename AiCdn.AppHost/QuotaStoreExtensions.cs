using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiCdn.AppHost;

public static class QuotaStoreExtensions
{
    /// <summary>
    /// Picks the quota store (<c>AiCdn:QuotaStore</c> = auto | container | redis-server | memory):
    /// Aspire's Redis container when a container runtime answers, else a local <c>redis-server</c>
    /// executable on PATH, else none (auth-quota then keeps limits in memory, exact on one node only).
    /// </summary>
    public static QuotaStore AddQuotaStore(this IDistributedApplicationBuilder builder, string name)
    {
        // A published manifest describes the target, not this machine: Redis is a container there.
        var mode = builder.ExecutionContext.IsPublishMode ? "container" : builder.Configuration["AiCdn:QuotaStore"] ?? "auto";
        var useContainer = mode is "container"
            || mode is "auto" && ContainerRuntime.IsHealthy(builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]);
        if (useContainer)
        {
            var redis = builder.AddRedis(name);
            return new QuotaStore(redis, "Redis container (Aspire.Hosting.Redis)");
        }

        var redisServer = mode is "auto" or "redis-server" ? ContainerRuntime.FindOnPath("redis-server") : null;
        if (redisServer is not null)
        {
            var port = FreeTcpPort();
            var dataDirectory = Directory.CreateTempSubdirectory("aicdn-redis-").FullName;
            var local = builder.AddResource(new LocalRedisResource(name, redisServer, dataDirectory))
                .WithArgs("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
                .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: LocalRedisResource.EndpointName, isProxied: false);
            return new QuotaStore(local, $"local redis-server executable ({redisServer}, port {port}): no container runtime answered");
        }

        if (mode is "redis-server")
        {
            throw new InvalidOperationException("AiCdn:QuotaStore is 'redis-server' but no redis-server is on PATH.");
        }

        return new QuotaStore(null, "auth-quota in-memory store: no container runtime and no redis-server on PATH (limits are exact on one auth-quota replica only)");
    }

    public static IResourceBuilder<ProjectResource> WithQuotaStore(this IResourceBuilder<ProjectResource> project, QuotaStore store)
    {
        project.WithQuotaStoreReference(store);

        project.ApplicationBuilder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AiCdn.AppHost")
                .LogInformation("Quota store: {Store}", store.Description);
            return Task.CompletedTask;
        });
        return project;
    }

    /// <summary>
    /// Gives a project the quota store's connection string, if there is a store other processes can
    /// reach: core-relay then makes its decisions against Redis itself (auth-quota still owns keys).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithQuotaStoreReference(this IResourceBuilder<ProjectResource> project, QuotaStore store)
    {
        if (store.Resource is { } resource)
        {
            project.WithReference(resource).WaitFor(resource);
        }

        return project;
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
