using AiCdn.Observability.Tests.Support;

namespace AiCdn.Observability.Tests;

/// <summary>
/// A real Prometheus scrapes the four services (the edge on its management port) with the alert
/// rules loaded: every target is up, the AiCdn series arrive under each job, and every rule
/// evaluates against real series without an error.
/// </summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Prometheus_ScrapingTheChain_EveryServiceUpAndEveryRuleHealthy()
    {
        await using var chain = await ObservedChain.StartAsync();
        using (var client = chain.Chain.CreateEdgeClient())
        {
            Assert.Equal(200, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: true, maxTokens: 3)).Status);
        }

        await using var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, Uri>
        {
            ["edge-gateway"] = chain.EdgeManagement,
            ["core-relay"] = chain.Chain.Core.Address,
            ["auth-quota"] = chain.Chain.AuthQuota.Address,
            ["llm-mock"] = chain.Chain.Mock.Address,
        }, ObservabilityFiles.AlertRules);

        var jobs = new[] { "edge-gateway", "core-relay", "auth-quota", "llm-mock" };
        try
        {
            await Wait.UntilAsync(async () =>
            {
                var up = await prometheus.QueryAsync("up");
                return jobs.All(job => up.Any(s => s.Labels["job"] == job && s.Value == 1));
            }, TimeSpan.FromSeconds(30), "up == 1 for edge-gateway, core-relay, auth-quota and llm-mock");

            // Each service's own request counter, under its own job.
            foreach (var (job, service) in new[] { ("edge-gateway", "edge-gateway"), ("core-relay", "core-relay"), ("llm-mock", "llm-mock") })
            {
                var requests = await prometheus.QueryAsync($$"""sum(aicdn_requests_total{job="{{job}}",service="{{service}}"})""");
                Assert.True(requests.Count == 1 && requests[0].Value >= 1, $"Prometheus has no aicdn_requests_total from {job}");
            }

            // Rules are evaluated every second: wait until each has run at least once.
            await Wait.UntilAsync(async () => (await prometheus.RulesAsync()).All(r => r.Health != "unknown"),
                TimeSpan.FromSeconds(30), "every alert rule evaluated once");
            var rules = await prometheus.RulesAsync();
            Assert.Equal(RuleFiles.Alerts(ObservabilityFiles.AlertRules).Count, rules.Count);
            Assert.All(rules, r => Assert.True(r.Health == "ok", $"{r.Name}: {r.Health} {r.Error}"));
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{e.Message}\nPrometheus said:\n{prometheus.Log}");
        }
    }
}
