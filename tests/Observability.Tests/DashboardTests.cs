using System.Text;
using AiCdn.Observability.Tests.Support;

namespace AiCdn.Observability.Tests;

/// <summary>The Grafana dashboard: valid JSON a Grafana can import, and PromQL that Prometheus parses.</summary>
public sealed class DashboardTests
{
    [Fact]
    public void Dashboard_Json_IsAnImportableGrafanaDashboard()
    {
        var files = Dashboard.Files();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            using var json = Dashboard.Load(file);
            var root = json.RootElement;
            Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("uid").GetString()), $"{file}: no uid");
            Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()), $"{file}: no title");
            Assert.True(root.GetProperty("schemaVersion").GetInt32() > 30, $"{file}: schemaVersion too old for current Grafana");

            var panels = Dashboard.Panels(root).ToList();
            var ids = panels.Select(p => p.GetProperty("id").GetInt32()).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            foreach (var panel in panels.Where(p => p.GetProperty("type").GetString() != "row"))
            {
                var title = panel.GetProperty("title").GetString();
                Assert.True(panel.TryGetProperty("gridPos", out _), $"{file}: panel '{title}' has no gridPos");
                // Every panel follows the dashboard's data-source variable, so an import can pick any Prometheus.
                Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
                var targets = panel.GetProperty("targets").EnumerateArray().ToList();
                Assert.NotEmpty(targets);
                Assert.All(targets, t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("expr").GetString()), $"panel '{title}' has an empty query"));
            }
        }
    }

    [Fact]
    public async Task Dashboard_EveryQuery_IsPromQlThatPromtoolAccepts()
    {
        // promtool has no "check this expression" command, so each query becomes a recording rule
        // and the file goes through "promtool check rules", the parser Prometheus itself uses.
        var rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
        var count = 0;
        foreach (var file in Dashboard.Files())
        {
            using var json = Dashboard.Load(file);
            foreach (var (panel, expression) in Dashboard.Queries(json.RootElement))
            {
                count++;
                rules.Append("      # ").Append(Path.GetFileName(file)).Append(": ").AppendLine(panel);
                rules.Append("      - record: dashboard:query_").Append(count).AppendLine();
                rules.Append("        expr: '").Append(PromQl.WithoutGrafanaVariables(expression).Replace("'", "''", StringComparison.Ordinal)).AppendLine("'");
            }
        }

        Assert.True(count > 10, $"only {count} queries in the dashboards");
        var directory = Directory.CreateTempSubdirectory("aicdn-dashboard-");
        try
        {
            var path = Path.Combine(directory.FullName, "dashboard-queries.yml");
            await File.WriteAllTextAsync(path, rules.ToString());

            var result = await Promtool.RunAsync(directory.FullName, "check", "rules", path);

            Assert.True(result.ExitCode == 0, $"a dashboard query is not valid PromQL, {result}\n{rules}");
            Assert.Contains($"SUCCESS: {count} rules found", result.Output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Dashboard_AlertedMetrics_AreAllOnTheDashboard()
    {
        // Whoever is paged should find the series behind each alert on the dashboard.
        var onDashboard = Dashboard.Files()
            .SelectMany(f =>
            {
                using var json = Dashboard.Load(f);
                return Dashboard.Queries(json.RootElement).SelectMany(q => PromQl.MetricNames(q.Expression)).ToList();
            })
            .ToHashSet(StringComparer.Ordinal);

        foreach (var alert in RuleFiles.Alerts(ObservabilityFiles.AlertRules))
        {
            foreach (var metric in PromQl.MetricNames(alert.Expression))
            {
                Assert.True(onDashboard.Contains(metric), $"{alert.Name} uses {metric}, which no dashboard panel shows");
            }
        }
    }
}
