using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>auth-quota composed exactly as its Program.cs composes it, on a loopback port.</summary>
public sealed class AuthQuotaServer : IAsyncDisposable
{
    public const string ClusterSecret = "benchmark-cluster-secret-0123456789abcdef";
    public const string ApiKey = "sk-aicdn-benchmark-key-000000000000000000001";

    private readonly WebApplication _app;

    private AuthQuotaServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<AuthQuotaServer> StartAsync(string? redis)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Secret"] = ClusterSecret,
            ["AuthQuota:ApiKeys"] = ApiKey,

            // Every limit is set, so each decision checks and charges all eight counters (key and
            // tenant), as a production key would; they are high enough that nothing is refused.
            ["AuthQuota:DefaultLimits:RequestsPerMinute"] = "100000000",
            ["AuthQuota:DefaultLimits:TokensPerMinute"] = "100000000000",
            ["AuthQuota:DefaultLimits:TokensPerDay"] = "1000000000000",
            ["AuthQuota:DefaultLimits:MaxConcurrentStreams"] = "100000",
            ["AuthQuota:Tenants:default:RequestsPerMinute"] = "100000000",
            ["AuthQuota:Tenants:default:TokensPerMinute"] = "100000000000",
            ["AuthQuota:Tenants:default:TokensPerDay"] = "1000000000000",
            ["AuthQuota:Tenants:default:MaxConcurrentStreams"] = "100000",
            ["ConnectionStrings:redis"] = redis,
            ["AuthQuota:Redis:KeyPrefix"] = "bench" + Guid.NewGuid().ToString("N")[..8],
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddAuthQuota();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapAuthQuota();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new AuthQuotaServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
