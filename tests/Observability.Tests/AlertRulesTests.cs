using AiCdn.Observability.Tests.Support;

namespace AiCdn.Observability.Tests;

/// <summary>
/// The alert rules and the scrape configuration, checked by Prometheus's own promtool: syntax,
/// and unit tests in which every alert fires on a series that should fire it and stays silent
/// on look-alikes. CI installs promtool (Debian package prometheus); a missing promtool fails.
/// </summary>
public sealed class AlertRulesTests
{
    [Fact]
    public async Task CheckRules_AlertFile_IsValid()
    {
        var result = await Promtool.RunAsync(Repository.Root, "check", "rules", ObservabilityFiles.AlertRules);

        Assert.True(result.ExitCode == 0, $"promtool check rules failed, {result}");
        Assert.Contains($"SUCCESS: {RuleFiles.Alerts(ObservabilityFiles.AlertRules).Count} rules found", result.Output);
    }

    [Fact]
    public async Task TestRules_UnitTests_AllPass()
    {
        var result = await Promtool.RunAsync(Path.GetDirectoryName(ObservabilityFiles.AlertRuleTests)!, "test", "rules", ObservabilityFiles.AlertRuleTests);

        Assert.True(result.ExitCode == 0, $"promtool test rules failed, {result}");
        Assert.Contains("SUCCESS", result.Output);
    }

    [Fact]
    public void UnitTests_EveryAlert_HasAFiringAndASilentCase()
    {
        var alerts = RuleFiles.Alerts(ObservabilityFiles.AlertRules).Select(a => a.Name).ToList();
        var cases = RuleFiles.TestCases(ObservabilityFiles.AlertRuleTests);

        Assert.NotEmpty(alerts);
        Assert.Equal(alerts.Count, alerts.Distinct().Count());
        foreach (var alert in alerts)
        {
            Assert.True(cases.Any(c => c.Alert == alert && c.ExpectsFiring), $"no promtool test expects {alert} to fire");
            Assert.True(cases.Any(c => c.Alert == alert && !c.ExpectsFiring), $"no promtool test expects {alert} to stay silent");
        }

        Assert.All(cases, c => Assert.Contains(c.Alert, alerts));
    }

    [Fact]
    public void Alerts_TheOriginalsFour_ArePresent()
    {
        // The deployment guide's four alerts: connections > 80,000; p99 latency > 100 ms; error rate
        // > 1 %; CPU or memory > 80 %. Their thresholds are pinned by the promtool tests.
        var alerts = RuleFiles.Alerts(ObservabilityFiles.AlertRules).ToDictionary(a => a.Name, a => a.Expression);

        Assert.Contains("> 80000", alerts["AiCdnHighConnections"]);
        Assert.Contains("> 0.1", alerts["AiCdnRelayLatencyP99High"]);
        Assert.Contains("histogram_quantile(0.99", alerts["AiCdnRelayLatencyP99High"]);
        Assert.Contains("> 0.01", alerts["AiCdnHighErrorRate"]);
        Assert.Contains("> 0.8", alerts["AiCdnHighCpu"]);
        Assert.Contains("> 0.8", alerts["AiCdnHighMemory"]);
        Assert.Contains("AiCdnTimeToFirstTokenSlow", alerts.Keys);
        Assert.Contains("AiCdnRateLimitRejectionSpike", alerts.Keys);
        Assert.Contains("AiCdnQuotaStoreFailing", alerts.Keys);
    }

    [Fact]
    public async Task CheckConfig_ScrapeConfig_IsValidAndLoadsTheRules()
    {
        var result = await Promtool.RunAsync(Repository.Root, "check", "config", ObservabilityFiles.ScrapeConfig);

        Assert.True(result.ExitCode == 0, $"promtool check config failed, {result}");
        Assert.Contains($"SUCCESS: {RuleFiles.Alerts(ObservabilityFiles.AlertRules).Count} rules found", result.Output);
    }
}
