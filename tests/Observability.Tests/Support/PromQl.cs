using System.Text.RegularExpressions;

namespace AiCdn.Observability.Tests.Support;

internal static partial class PromQl
{
    /// <summary>
    /// Metric names an expression selects: identifiers followed by a label matcher or a range
    /// (<c>name{...}</c>, <c>name[5m]</c>). The rules and the dashboard always write selectors that
    /// way, so functions (<c>rate(</c>) and grouping labels (<c>by (job)</c>) are never taken for names.
    /// </summary>
    public static IReadOnlySet<string> MetricNames(string expression) =>
        Selector().Matches(expression).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>Grafana's variables replaced by values PromQL accepts, so promtool can parse a panel's query.</summary>
    public static string WithoutGrafanaVariables(string expression) =>
        GrafanaVariable().Replace(
            expression.Replace("$__rate_interval", "1m", StringComparison.Ordinal)
                .Replace("$__interval", "1m", StringComparison.Ordinal)
                .Replace("$__range", "1h", StringComparison.Ordinal),
            ".+");

    [GeneratedRegex(@"(?<![\w:""'$.])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?=\{|\[)")]
    private static partial Regex Selector();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex GrafanaVariable();
}
