namespace AiCdn.Observability.Tests.Support;

/// <summary>Files of the source tree the tests check (rules, scrape config, dashboard).</summary>
internal static class ObservabilityFiles
{
    public static string AlertRules => Path.Combine(Repository.Root, "config", "rules", "ai-cdn-alerts.yml");

    public static string AlertRuleTests => Path.Combine(Repository.Root, "config", "rules", "ai-cdn-alerts.test.yml");

    public static string ScrapeConfig => Path.Combine(Repository.Root, "deploy", "prometheus", "prometheus.yml");

    public static string GrafanaDirectory => Path.Combine(Repository.Root, "deploy", "grafana");
}
