namespace AiCdn.Observability.Tests.Support;

/// <summary>
/// The in-process chain with each service named as Aspire names it (OTEL_SERVICE_NAME) and the
/// edge's /metrics on its own management port, as in production.
/// </summary>
internal sealed class ObservedChain : IAsyncDisposable
{
    public const string EdgeScope = "AiCdn.Edge";
    public const string CoreScope = "AiCdn.CoreRelay";
    public const string AuthQuotaScope = "AiCdn.AuthQuota";
    public const string MockScope = "AiCdn.LlmMock";

    private ObservedChain(Chain chain, Uri edgeManagement)
    {
        Chain = chain;
        EdgeManagement = edgeManagement;
    }

    public Chain Chain { get; }

    /// <summary>The edge's management listener (METRICS_PORT): its /metrics is served there only.</summary>
    public Uri EdgeManagement { get; }

    public static async Task<ObservedChain> StartAsync(ChainSettings? settings = null)
    {
        settings ??= new ChainSettings();
        var managementPort = FreePort.Next();
        settings.Mock.TryAdd("OTEL_SERVICE_NAME", "llm-mock");
        settings.AuthQuota.TryAdd("OTEL_SERVICE_NAME", "auth-quota");
        settings.Core.TryAdd("OTEL_SERVICE_NAME", "core-relay");
        settings.Edge.TryAdd("OTEL_SERVICE_NAME", "edge-gateway");
        settings.Edge["Edge:ManagementListen"] = $"127.0.0.1:{managementPort}";
        var chain = await Chain.StartAsync(settings);
        return new ObservedChain(chain, new Uri($"http://127.0.0.1:{managementPort}/"));
    }

    /// <summary>Each service's own /metrics, by service name.</summary>
    public async Task<IReadOnlyDictionary<string, Scrape>> ScrapeAllAsync() => new Dictionary<string, Scrape>
    {
        ["edge-gateway"] = await Scrape.GetAsync(EdgeManagement),
        ["core-relay"] = await Scrape.GetAsync(Chain.Core.Address),
        ["auth-quota"] = await Scrape.GetAsync(Chain.AuthQuota.Address),
        ["llm-mock"] = await Scrape.GetAsync(Chain.Mock.Address),
    };

    public ValueTask DisposeAsync() => Chain.DisposeAsync();
}
