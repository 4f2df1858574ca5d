using System.Globalization;
using AiCdn.LoadTool.Results;

namespace AiCdn.LoadTool.Reporting;

/// <summary>
/// One row per run, the figures BENCHMARKS.md tabulates, each relay figure also as a ratio to the
/// baseline run of the same scenario (the nginx peer chain, measured in the same session).
/// </summary>
public sealed record Comparison(IReadOnlyList<ScenarioResult> Results, string? Baseline)
{
    /// <summary>Groups that are not part of the relay being compared (the shared origin, the quota service's own load is counted).</summary>
    public static bool IsRelay(string group) => !group.StartsWith("mock", StringComparison.OrdinalIgnoreCase);

    public ScenarioResult? BaselineFor(ScenarioResult result) =>
        Baseline is null || result.Label == Baseline
            ? null
            : Results.FirstOrDefault(r => r.Scenario == result.Scenario && r.Label == Baseline && Load(r) == Load(result));

    public static string Load(ScenarioResult r) => r.Scenario switch
    {
        "streams" => $"{r.Settings.GetValueOrDefault("streams")} streams",
        "rate" => $"{r.Settings.GetValueOrDefault("rate_per_s")}/s {r.Settings.GetValueOrDefault("mode")}",
        "overhead" => $"{r.Settings.GetValueOrDefault("concurrency")} workers",
        _ => string.Empty,
    };

    public static string Achieved(ScenarioResult r) => r.Scenario switch
    {
        "streams" => $"{r.Counter("streams_held")} held, {r.Counter("streams_complete")} complete",
        "rate" => F(r.Figures.GetValueOrDefault("achieved_rate_per_s"), "0.#") + "/s",
        "overhead" => $"{r.Counter("requests_measured")} requests; added TTFT p50 {F(r.Figures.GetValueOrDefault("added_time_to_first_token_p50_ms"), "0.00")} ms, p99 {F(r.Figures.GetValueOrDefault("added_time_to_first_token_p99_ms"), "0.00")} ms; added gap p50 {F(r.Figures.GetValueOrDefault("added_chunk_gap_p50_ms"), "0.00")} ms, p99 {F(r.Figures.GetValueOrDefault("added_chunk_gap_p99_ms"), "0.00")} ms",
        _ => string.Empty,
    };

    public static (double P50, double P99) Ttft(ScenarioResult r)
    {
        var name = r.Scenario == "overhead" ? "chain_time_to_first_token" : "time_to_first_token";
        return r.Latencies.TryGetValue(name, out var s) ? (s.P50Ms, s.P99Ms) : (0, 0);
    }

    public static double RelayRssPerStream(ScenarioResult r) => r.Processes.Where(p => IsRelay(p.Group)).Sum(p => p.RssPerStreamKiB);

    public static double RelayCpu(ScenarioResult r) => r.Processes.Where(p => IsRelay(p.Group)).Sum(p => p.SteadyCpuPercentOfOneCore);

    public static string PerGroup(ScenarioResult r, Func<Measurement.ProcessGroupResult, double> value, string format) =>
        r.Processes.Count == 0 ? "–" : string.Join(", ", r.Processes.Select(p => $"{p.Group} {F(value(p), format)}"));

    public static string Ratio(double value, double baseline) =>
        baseline > 0 && value >= 0 ? "×" + F(value / baseline, "0.00") : "–";

    public static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The table in GitHub Markdown.</summary>
    public string ToMarkdown()
    {
        var lines = new List<string>
        {
            "| scenario | chain | load | achieved | TTFT p50 / p99 ms | errors | lost chunks | RSS per stream, KiB | CPU steady, % of a core | machine busy | tool CPU | vs " + (Baseline ?? "baseline") + ": TTFT p50, p99, relay RSS/stream, relay CPU |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        };
        foreach (var r in Results)
        {
            var (p50, p99) = Ttft(r);
            var b = BaselineFor(r);
            var ratio = b is null
                ? (r.Label == Baseline ? "baseline" : "–")
                : string.Join(", ", Ratio(p50, Ttft(b).P50), Ratio(p99, Ttft(b).P99), Ratio(RelayRssPerStream(r), RelayRssPerStream(b)), Ratio(RelayCpu(r), RelayCpu(b)));
            lines.Add(string.Join(" | ", [
                "| " + r.Scenario,
                r.Label,
                Load(r),
                Achieved(r),
                $"{F(p50, "0.0")} / {F(p99, "0.0")}",
                r.ErrorCount.ToString(CultureInfo.InvariantCulture),
                r.Counter("chunks_lost").ToString(CultureInfo.InvariantCulture),
                r.Scenario == "streams" ? PerGroup(r, p => p.RssPerStreamKiB, "0.0") : "–",
                PerGroup(r, p => p.SteadyCpuPercentOfOneCore, "0"),
                F(r.Tool.SteadyMachineCpuBusyPercent, "0") + " %",
                F(r.Tool.SteadyCpuPercentOfOneCore, "0") + " %",
                ratio + " |",
            ]));
        }

        return string.Join('\n', lines) + "\n";
    }
}
