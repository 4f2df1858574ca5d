using System.Text.Json;

namespace AiCdn.Observability.Tests.Support;

/// <summary>The Grafana dashboards in deploy/grafana, and the PromQL of their panels.</summary>
internal static class Dashboard
{
    public static IReadOnlyList<string> Files() =>
        Directory.GetFiles(ObservabilityFiles.GrafanaDirectory, "*.json").Order(StringComparer.Ordinal).ToList();

    /// <summary>Every panel's queries, by panel title.</summary>
    public static IReadOnlyList<(string Panel, string Expression)> Queries(JsonElement dashboard) =>
        Panels(dashboard)
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()
                .Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)))
            .ToList();

    /// <summary>Panels, including those nested in collapsed rows.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    public static JsonDocument Load(string path) => JsonDocument.Parse(File.ReadAllText(path));
}
