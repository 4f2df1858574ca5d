using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
namespace AiCdn.AppHost;

public static class EdgeExtensions
{
    /// <summary>The edge's public HTTP port: <c>AiCdn:EdgeHttpPort</c> (default 8080), or <c>EDGE_HTTP_PORT</c>.</summary>
    public static int EdgeHttpPort(this IDistributedApplicationBuilder builder)
    {
        var value = builder.Configuration["EDGE_HTTP_PORT"] ?? builder.Configuration["AiCdn:EdgeHttpPort"] ?? "8080";
        return int.TryParse(value, out var port) && port is > 0 and < 65536
            ? port
            : throw new InvalidOperationException($"The edge port '{value}' is not a TCP port number.");
    }

    /// <summary>
    /// The public endpoint pinned to <paramref name="publicPort"/> (not proxied, so clients reach Kestrel
    /// directly) and the only one exposed externally; the management endpoint (<c>METRICS_PORT</c>:
    /// /metrics and the detailed /health) stays internal, on loopback.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithEdgeEndpoints(this IResourceBuilder<ProjectResource> edge, int publicPort) =>
        edge.WithHttpEndpoint(port: publicPort, name: "http", isProxied: false)
            .WithEndpoint("http", endpoint => endpoint.IsExternal = true)
            .WithLoopbackEndpoint("management", "METRICS_PORT");

    /// <summary>The edge reaches the core over its HTTP/2 cleartext endpoint (<c>h2c</c>), multiplexed.</summary>
    public static IResourceBuilder<ProjectResource> WithCoreLink(this IResourceBuilder<ProjectResource> edge, IResourceBuilder<ProjectResource> core) =>
        edge.WithEnvironment("CORE_NODE_HOST", $"http://_h2c.{core.Resource.Name}")
            .WithEnvironment("CORE_TRANSPORT", "h2c");

    /// <summary>Logs where clients reach the edge once the application starts.</summary>
    public static IResourceBuilder<ProjectResource> WithStartupBanner(this IResourceBuilder<ProjectResource> edge)
    {
        edge.ApplicationBuilder.Eventing.Subscribe<AfterResourcesCreatedEvent>((e, _) =>
        {
            var endpoint = edge.GetEndpoint("http");
            e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AiCdn.AppHost")
                .LogInformation("Edge gateway (the API clients call): {Url}/v1/chat/completions", endpoint.Url);
            return Task.CompletedTask;
        });
        return edge;
    }

    /// <summary>Seeds <c>sk-aicdn-local-dev</c> (<c>AiCdn:DevelopmentApiKey</c>) for local runs only, never in a published manifest.</summary>
    public static IResourceBuilder<ProjectResource> WithDevelopmentApiKey(this IResourceBuilder<ProjectResource> authQuota)
    {
        var builder = authQuota.ApplicationBuilder;
        if (builder.ExecutionContext.IsRunMode && builder.Configuration["AiCdn:DevelopmentApiKey"] is { Length: > 0 } key)
        {
            authQuota.WithEnvironment("API_KEYS", key);
        }
        else
        {
            var keys = builder.AddParameter("api-keys", secret: true);
            authQuota.WithEnvironment("API_KEYS", keys);
        }

        return authQuota;
    }
}
