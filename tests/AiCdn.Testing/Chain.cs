using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AiCdn.Testing;

/// <summary>
/// The whole chain (llm-mock, auth-quota, core-relay, edge-gateway) in the test process, each service
/// on its own real Kestrel socket and composed exactly as its Program.cs composes it. Faster than
/// the AppHost and lets a test reach into any service.
/// </summary>
public sealed class Chain : IAsyncDisposable
{
    public const string ClusterSecret = "test-cluster-secret-0123456789abcdef";
    public const string ApiKey = "sk-aicdn-test-key-1";
    public const string AdminToken = "test-admin-token-0123456789";

    /// <summary>The core's request-header allow-list in a chain: the default plus the mock's control headers.</summary>
    public const string ForwardRequestHeaders = "accept-language,openai-beta,user-agent,x-request-id,x-mock-*";

    /// <summary>In a core setting, stands for the chain's own llm-mock address (known only once it runs).</summary>
    public const string MockPlaceholder = "{chain-mock}";

    private readonly List<ServiceHost> _hosts = [];

    public ServiceHost Mock { get; private set; } = null!;

    public ServiceHost AuthQuota { get; private set; } = null!;

    public ServiceHost Core { get; private set; } = null!;

    public ServiceHost Edge { get; private set; } = null!;

    /// <summary>Starts mock, auth-quota, core and edge in that order; extra settings per service override the defaults.</summary>
    public static async Task<Chain> StartAsync(ChainSettings? settings = null)
    {
        settings ??= new ChainSettings();
        var chain = new Chain();
        try
        {
            chain.Mock = await chain.AddAsync(
                b => { b.AddServiceDefaults(); b.AddLlmMock(); },
                a => { a.MapDefaultEndpoints(); a.MapLlmMock(); },
                Merge(new() { ["Mock:TimeToFirstTokenMs"] = "0", ["Mock:TokenIntervalMs"] = "0" }, settings.Mock),
                settings.MockServices);

            chain.AuthQuota = await chain.AddAsync(
                b => { b.AddServiceDefaults(); b.AddAuthQuota(); },
                a => { a.MapDefaultEndpoints(); a.MapAuthQuota(); },
                Merge(new()
                {
                    ["Cluster:Secret"] = ClusterSecret,
                    ["AuthQuota:ApiKeys"] = ApiKey,
                    ["ADMIN_TOKEN"] = AdminToken,
                }, settings.AuthQuota),
                settings.AuthQuotaServices);

            chain.Core = await chain.AddCoreAsync(settings.Core, settings.CoreServices);
            chain.Edge = await chain.AddEdgeAsync(settings.Edge, settings.EdgeServices);
            return chain;
        }
        catch
        {
            await chain.DisposeAsync();
            throw;
        }
    }

    public HttpClient CreateEdgeClient() => Edge.CreateClient();

    /// <summary>Creates an API key through auth-quota's admin API from a <c>POST /admin/keys</c> body; returns the plain key.</summary>
    public async Task<string> CreateKeyAsync(string json) => (await CreateKeyWithIdAsync(json)).Key;

    /// <summary>As <see cref="CreateKeyAsync"/>; returns the plain key and its id (for its usage).</summary>
    public async Task<(string Key, string Id)> CreateKeyWithIdAsync(string json)
    {
        using var admin = AuthQuota.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/keys") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await admin.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (body.RootElement.GetProperty("key").GetString()!, body.RootElement.GetProperty("id").GetString()!);
    }

    /// <summary>The tokens a key has used today, from auth-quota's admin usage report.</summary>
    public async Task<long> TokensTodayAsync(string keyId)
    {
        using var admin = AuthQuota.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/admin/keys/{keyId}/usage");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await admin.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("key").GetProperty("tokens_today").GetProperty("used").GetInt64();
    }

    /// <summary>Another core-relay on the chain's mock and auth-quota (a second replica, or one with other settings).</summary>
    public Task<ServiceHost> AddCoreAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var mockUrl = Mock.Address.ToString().TrimEnd('/');
        var core = Merge(new()
        {
            ["Cluster:Secret"] = ClusterSecret,
            ["CoreRelay:Origins"] = mockUrl,
            ["CoreRelay:AuthQuotaUrl"] = AuthQuota.Address.ToString().TrimEnd('/'),
            ["CoreRelay:ForwardRequestHeaders"] = ForwardRequestHeaders,
            // Shedding reads the machine's CPU, which parallel test runs share: tests that want it set it.
            ["CoreRelay:Overload:QueueDelayTarget"] = "0",
        }, settings);
        foreach (var key in core.Keys.ToList())
        {
            core[key] = core[key]?.Replace(MockPlaceholder, mockUrl, StringComparison.Ordinal);
        }

        return AddAsync(
            b => { b.AddServiceDefaults(); b.AddCoreRelay(); },
            a => { a.MapDefaultEndpoints(); a.MapCoreRelay(); },
            core,
            services);
    }

    /// <summary>Another edge-gateway, by default on the chain's core (set <c>Edge:CoreNodes</c> to point it elsewhere).</summary>
    public Task<ServiceHost> AddEdgeAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        AddAsync(
            b => { b.AddServiceDefaults(); b.AddEdgeGateway(); },
            a => { a.MapDefaultEndpoints(); a.MapEdgeGateway(); },
            Merge(new()
            {
                ["Cluster:Secret"] = ClusterSecret,
                ["Edge:CoreNodes"] = Core.Address.ToString().TrimEnd('/'),
                // The edge's management listener (METRICS_PORT, default 9090) on a free port.
                ["Edge:ManagementListen"] = "127.0.0.1:0",
                // As for the core: no shedding because a parallel test run keeps the CPU busy.
                ["Edge:Overload:QueueDelayTarget"] = "0",
            }, settings),
            services);

    private async Task<ServiceHost> AddAsync(
        Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder> add,
        Action<Microsoft.AspNetCore.Builder.WebApplication> map,
        Dictionary<string, string?> configuration,
        Action<IServiceCollection>? overrideServices)
    {
        var host = await ServiceHost.StartAsync(add, map, configuration, overrideServices);
        _hosts.Add(host);
        return host;
    }

    private static Dictionary<string, string?> Merge(Dictionary<string, string?> defaults, IReadOnlyDictionary<string, string?>? overrides)
    {
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            defaults[key] = value;
        }

        return defaults;
    }

    public async ValueTask DisposeAsync()
    {
        // Front to back, so no hop outlives the one behind it mid-request.
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].DisposeAsync();
        }
    }
}

/// <summary>Per-service configuration overrides and service replacements for <see cref="Chain"/>.</summary>
public sealed class ChainSettings
{
    public Dictionary<string, string?> Mock { get; init; } = [];

    public Dictionary<string, string?> AuthQuota { get; init; } = [];

    public Dictionary<string, string?> Core { get; init; } = [];

    public Dictionary<string, string?> Edge { get; init; } = [];

    public Action<IServiceCollection>? MockServices { get; init; }

    public Action<IServiceCollection>? AuthQuotaServices { get; init; }

    public Action<IServiceCollection>? CoreServices { get; init; }

    public Action<IServiceCollection>? EdgeServices { get; init; }
}
