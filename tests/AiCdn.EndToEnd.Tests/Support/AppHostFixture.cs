using AiCdn.Testing;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiCdn.EndToEnd.Tests.Support;

/// <summary>
/// The whole AppHost (llm-mock, auth-quota, core-relay, edge-gateway and the quota store), started once
/// for the tests of this collection, exactly as <c>dotnet run --project AiCdn.AppHost</c> starts it but
/// with the edge on a free port.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public const string DevelopmentKey = "sk-aicdn-local-dev";

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public Uri EdgeAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var edgePort = FreePort.Next();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AiCdn_AppHost>(
            // No load shedding: the test run's other processes keep the CPU busy, and a busy machine
            // is what shedding reacts to.
            [$"--AiCdn:EdgeHttpPort={edgePort}", "--OVERLOAD_QUEUE_DELAY=0"]);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));

        _app = await builder.BuildAsync();
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await _app.StartAsync(startup.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("edge-gateway", startup.Token);

        EdgeAddress = new Uri($"http://localhost:{edgePort}");
    }

    public HttpClient CreateEdgeClient() => new() { BaseAddress = EdgeAddress, Timeout = TimeSpan.FromMinutes(2) };

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "apphost";
}
