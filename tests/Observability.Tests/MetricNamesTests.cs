using AiCdn.Observability.Tests.Support;

namespace AiCdn.Observability.Tests;

/// <summary>
/// The alert rules and the dashboard may only query metrics the services really export, under
/// the names OpenTelemetry's Prometheus exporter gives them: a typo or a renamed instrument would
/// otherwise leave an alert silent forever.
/// </summary>
public sealed class MetricNamesTests
{
    /// <summary>Series Prometheus makes itself for every target.</summary>
    private static readonly string[] s_prometheusOwn = ["up"];

    [Fact]
    public async Task RulesAndDashboard_EveryQueriedMetric_IsExportedByAService()
    {
        var exported = await ExportedNamesAsync();
        var queried = Queried();

        var missing = queried
            .Where(q => !exported.Contains(q.Metric) && !s_prometheusOwn.Contains(q.Metric))
            .Select(q => $"{q.Metric} (in {q.Where})")
            .Distinct()
            .ToList();
        Assert.True(missing.Count == 0, "queried but exported by no service:\n" + string.Join('\n', missing));
    }

    private static List<(string Metric, string Where)> Queried()
    {
        var queried = RuleFiles.Alerts(ObservabilityFiles.AlertRules)
            .SelectMany(a => PromQl.MetricNames(a.Expression).Select(m => (m, $"alert {a.Name}")))
            .ToList();
        foreach (var file in Dashboard.Files())
        {
            using var json = Dashboard.Load(file);
            queried.AddRange(Dashboard.Queries(json.RootElement)
                .SelectMany(q => PromQl.MetricNames(q.Expression).Select(m => (m, $"{Path.GetFileName(file)} panel '{q.Panel}'"))));
        }

        return queried;
    }

    /// <summary>
    /// Every sample name the four services export after traffic that exercises each instrument:
    /// streams, whole completions, a bad key, a rate-limit refusal, and a chain whose quota store
    /// (Redis) is down so auth-quota counts store errors and fail-open decisions.
    /// </summary>
    private static async Task<HashSet<string>> ExportedNamesAsync()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using (var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            AuthQuota = { ["AuthQuota:DefaultLimits:RequestsPerMinute"] = "3" },
        }))
        {
            using (var client = chain.Chain.CreateEdgeClient())
            {
                await Chat.CompleteAsync(client, Chain.ApiKey, stream: true, maxTokens: 3);
                await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 3);
                await Chat.CompleteAsync(client, "sk-aicdn-not-a-key-0000000000000000", stream: false, maxTokens: 3);
                await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 3);
                Assert.Equal(429, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 3)).Status);
            }

            await Wait.UntilAsync(
                async () => (await Scrape.GetAsync(chain.EdgeManagement)).Sum("aicdn_requests_total", ("otel_scope_name", ObservedChain.EdgeScope)) >= 5,
                TimeSpan.FromSeconds(20), "five requests counted at the edge");
            foreach (var scrape in (await chain.ScrapeAllAsync()).Values)
            {
                names.UnionWith(scrape.Names);
            }
        }

        await using (var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            AuthQuota =
            {
                ["ConnectionStrings:redis"] = $"127.0.0.1:{FreePort.Next()},abortConnect=false,connectTimeout=200,syncTimeout=200,asyncTimeout=200",
                ["AuthQuota:StoreFailureMode"] = "FailOpen",
            },
        }))
        {
            using (var client = chain.Chain.CreateEdgeClient())
            {
                await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 3);
            }

            await Wait.UntilAsync(
                async () => (await Scrape.GetAsync(chain.Chain.AuthQuota.Address)).Sum("aicdn_quota_store_errors_total") >= 1,
                TimeSpan.FromSeconds(20), "a failed quota-store call counted by auth-quota");
            names.UnionWith((await Scrape.GetAsync(chain.Chain.AuthQuota.Address)).Names);
        }

        return names;
    }
}
