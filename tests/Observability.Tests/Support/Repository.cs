using System.Reflection;

namespace AiCdn.Observability.Tests.Support;

/// <summary>Files of the source tree the tests check (rules, scrape config, dashboard, docs).</summary>
internal static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string AlertRules => Path.Combine(Root, "config", "rules", "ai-cdn-alerts.yml");

    public static string AlertRuleTests => Path.Combine(Root, "config", "rules", "ai-cdn-alerts.test.yml");

    public static string ScrapeConfig => Path.Combine(Root, "deploy", "prometheus", "prometheus.yml");

    public static string GrafanaDirectory => Path.Combine(Root, "deploy", "grafana");
}
