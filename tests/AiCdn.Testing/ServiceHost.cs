using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AiCdn.Testing;

/// <summary>
/// One AiCdn service running in the test process on a real Kestrel socket (127.0.0.1, a free port),
/// composed exactly as its Program.cs composes it, without warm-up unless the configuration sets
/// <c>Warmup:Requests</c>. Disposing it stops it.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private int _disposed;

    private ServiceHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<ServiceHost> StartAsync(
        Action<WebApplicationBuilder> add,
        Action<WebApplication> map,
        IReadOnlyDictionary<string, string?>? configuration = null,
        Action<IServiceCollection>? overrideServices = null,
        string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        // No warm-up unless a test asks for one: a test's first request is its own, and warm-up
        // would only add seconds (and CPU beside parallel tests) to every host started.
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create("Warmup:Requests", (string?)"0")]);
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevelFromEnvironment();
        add(builder);
        overrideServices?.Invoke(builder.Services);

        var app = builder.Build();
        map(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ServiceHost(app, new Uri(address));
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>Stops the host; a second call (a test that stopped a host its chain also owns) does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await App.StopAsync(timeout.Token);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}
