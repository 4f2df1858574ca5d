using System.Globalization;
using System.Net;
using System.Text;
using AiCdn.LoadTool.Measurement;
using AiCdn.LoadTool.Results;

namespace AiCdn.LoadTool.Reporting;

/// <summary>
/// A self-contained HTML page (no scripts, no external files): the comparison table, a latency
/// percentile plot per scenario drawn as inline SVG from the HdrHistograms, and each run's details.
/// </summary>
public static class HtmlReport
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(Comparison comparison, string title)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
            .Append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:13px;vertical-align:top}th{background:#f4f4f4}")
            .Append("svg{background:#fff;border:1px solid #ddd}.note{color:#a00}code{background:#f4f4f4;padding:1px 3px}")
            .Append("</style></head><body>");
        html.Append("<h1>").Append(E(title)).Append("</h1>");
        html.Append("<p>Generated ").Append(E(DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture))).Append(" by aicdn-load.")
            .Append(comparison.Baseline is null ? string.Empty : $" Ratios are to the <b>{E(comparison.Baseline)}</b> run of the same scenario and load.")
            .Append("</p>");

        html.Append("<h2>Summary</h2>").Append(MarkdownTableToHtml(comparison.ToMarkdown()));

        foreach (var scenario in comparison.Results.GroupBy(r => r.Scenario))
        {
            html.Append("<h2>").Append(E(scenario.Key)).Append(": latency by percentile</h2>");
            var series = scenario
                .SelectMany(r => PlotNames(r).Where(r.Latencies.ContainsKey).Select(n => ($"{r.Label} · {Comparison.Load(r)} · {n}", r.Latencies[n])))
                .Where(s => s.Item2.Count > 0)
                .ToList();
            html.Append(Plot(series));
        }

        foreach (var r in comparison.Results)
        {
            html.Append("<h2>").Append(E($"{r.Scenario} · {r.Label} · {Comparison.Load(r)}")).Append("</h2>");
            html.Append("<p>Started ").Append(E(r.StartedAt.ToString("u", CultureInfo.InvariantCulture))).Append(", ")
                .Append(r.Shards).Append(" tool process(es), targets ").Append(E(string.Join(", ", r.Targets))).Append("</p>");
            foreach (var note in r.Notes)
            {
                html.Append("<p class=\"note\">").Append(E(note)).Append("</p>");
            }

            html.Append(Table(["setting", "value"], r.Settings.Select(s => new[] { s.Key, s.Value })));
            html.Append(Table(["counter", "value"], r.Counters.Select(c => new[] { c.Key, c.Value.ToString(CultureInfo.InvariantCulture) })
                .Concat(r.Figures.Select(f => new[] { f.Key, Comparison.F(f.Value, "0.###") }))));
            if (r.Errors.Count > 0)
            {
                html.Append(Table(["error", "count"], r.Errors.Select(e => new[] { e.Key, e.Value.ToString(CultureInfo.InvariantCulture) })));
            }

            html.Append(Table(["latency", "count", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"], r.Latencies.Select(l => new[]
            {
                l.Key, l.Value.Count.ToString(CultureInfo.InvariantCulture), Comparison.F(l.Value.P50Ms, "0.00"), Comparison.F(l.Value.P90Ms, "0.00"),
                Comparison.F(l.Value.P99Ms, "0.00"), Comparison.F(l.Value.P999Ms, "0.00"), Comparison.F(l.Value.MaxMs, "0.00"),
            })));
            if (r.Processes.Count > 0)
            {
                html.Append(Table(["process group", "processes", "idle RSS MiB", "held RSS MiB", "RSS per stream KiB", "open files held", "CPU s", "CPU % of a core (whole)", "CPU % of a core (steady)"], r.Processes.Select(p => new[]
                {
                    p.Group, p.Processes.ToString(CultureInfo.InvariantCulture), Comparison.F(p.IdleRssMiB, "0.0"), Comparison.F(p.HeldRssMiB, "0.0"),
                    Comparison.F(p.RssPerStreamKiB, "0.00"), p.OpenFilesHeld.ToString(CultureInfo.InvariantCulture), Comparison.F(p.CpuSeconds, "0.0"),
                    Comparison.F(p.CpuPercentOfOneCore, "0"), Comparison.F(p.SteadyCpuPercentOfOneCore, "0"),
                })));
            }

            html.Append(Table(["load tool", "value"],
            [
                ["CPU seconds", Comparison.F(r.Tool.CpuSeconds, "0.0")],
                ["CPU % of a core (whole / steady)", $"{Comparison.F(r.Tool.CpuPercentOfOneCore, "0")} / {Comparison.F(r.Tool.SteadyCpuPercentOfOneCore, "0")}"],
                ["peak RSS MiB", Comparison.F(r.Tool.PeakRssMiB, "0")],
                ["machine CPU busy % (whole / steady)", $"{Comparison.F(r.Tool.MachineCpuBusyPercent, "0")} / {Comparison.F(r.Tool.SteadyMachineCpuBusyPercent, "0")}"],
            ]));
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string[] PlotNames(ScenarioResult r) => r.Scenario switch
    {
        "streams" => ["time_to_first_token", "chunk_gap"],
        "rate" => ["time_to_first_token", "latency"],
        "overhead" => ["direct_time_to_first_token", "chain_time_to_first_token"],
        _ => [],
    };

    /// <summary>HdrHistogram's classic plot: x is 1/(1−p) on a log scale (50 %, 90 %, 99 %, ...), y is latency.</summary>
    private static string Plot(List<(string Name, LatencySummary Summary)> series)
    {
        const int width = 900, height = 420, left = 70, right = 20, top = 20, bottom = 50;
        const double maxNines = 5; // 99.999 %
        var curves = series.Select(s =>
        {
            var histogram = LatencyHistogram.Decode(s.Summary.Histogram).Snapshot();
            var points = Enumerable.Range(0, 101)
                .Select(i => maxNines * i / 100.0)
                .Select(x => (X: x, Y: histogram.GetValueAtPercentile(100 - (100 / Math.Pow(10, x))) / 1000.0))
                .ToList();
            return (s.Name, Points: points);
        }).ToList();
        if (curves.Count == 0)
        {
            return "<p>No latencies recorded.</p>";
        }

        var maxY = Math.Max(1, curves.Max(c => c.Points.Max(p => p.Y))) * 1.05;
        double Px(double x) => left + (x / maxNines * (width - left - right));
        double Py(double y) => top + ((1 - (y / maxY)) * (height - top - bottom));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height + (18 * curves.Count)}\" font-size=\"11\">");
        for (var nines = 0; nines <= maxNines; nines++)
        {
            var x = Px(nines);
            var label = nines == 0 ? "0%" : (100 - (100 / Math.Pow(10, nines))).ToString("0.###", CultureInfo.InvariantCulture) + "%";
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{top}\" x2=\"{x:0.#}\" y2=\"{height - bottom}\" stroke=\"#eee\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{x:0.#}\" y=\"{height - bottom + 15}\" text-anchor=\"middle\">{label}</text>");
        }

        for (var i = 0; i <= 5; i++)
        {
            var value = maxY * i / 5;
            var y = Py(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{y:0.#}\" x2=\"{width - right}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 5}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{value:0.#}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(width + left) / 2}\" y=\"{height - 12}\" text-anchor=\"middle\">percentile</text>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"15\" y=\"{height / 2}\" transform=\"rotate(-90 15 {height / 2})\" text-anchor=\"middle\">latency, ms</text>");
        for (var i = 0; i < curves.Count; i++)
        {
            var color = Colors[i % Colors.Length];
            var path = string.Join(' ', curves[i].Points.Select((p, j) => string.Create(CultureInfo.InvariantCulture, $"{(j == 0 ? 'M' : 'L')}{Px(p.X):0.#},{Py(p.Y):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>");
            var ly = height + (18 * i) + 5;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{ly}\" width=\"12\" height=\"12\" fill=\"{color}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{left + 18}\" y=\"{ly + 10}\">{E(curves[i].Name)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Table(string[] header, IEnumerable<string[]> rows)
    {
        var html = new StringBuilder("<table><tr>");
        foreach (var h in header)
        {
            html.Append("<th>").Append(E(h)).Append("</th>");
        }

        html.Append("</tr>");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
            {
                html.Append("<td>").Append(E(cell)).Append("</td>");
            }

            html.Append("</tr>");
        }

        return html.Append("</table>").ToString();
    }

    private static string MarkdownTableToHtml(string markdown)
    {
        var lines = markdown.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
        return Table(Cells(lines[0]), lines.Skip(2).Select(Cells));
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
