using AiCdn.LoadTool.Measurement;

namespace AiCdn.LoadTool.Results;

/// <summary>
/// What one run (or one shard of it) measured, in a shape shared by every scenario so that shards
/// merge and runs compare generically. Written as JSON; the HTML and console reports read it.
/// </summary>
public sealed class ScenarioResult
{
    public string Scenario { get; set; } = string.Empty;

    /// <summary>Which chain was measured (aicdn, nginx, direct, ...), as given with <c>--label</c>.</summary>
    public string Label { get; set; } = string.Empty;

    public DateTimeOffset StartedAt { get; set; }

    public int Shards { get; set; } = 1;

    public List<string> Targets { get; set; } = [];

    public Dictionary<string, string> Settings { get; set; } = [];

    /// <summary>Seconds over which rates are computed (the measured window, warm-up excluded).</summary>
    public double MeasuredSeconds { get; set; }

    public SortedDictionary<string, long> Counters { get; set; } = [];

    /// <summary>Failed requests by kind (<c>status_429_rate_limited</c>, <c>connect_refused</c>, <c>text_mismatch</c>, ...).</summary>
    public SortedDictionary<string, long> Errors { get; set; } = [];

    public SortedDictionary<string, LatencySummary> Latencies { get; set; } = [];

    /// <summary>Figures derived from the above after merging (achieved rate, added latency, ...).</summary>
    public SortedDictionary<string, double> Figures { get; set; } = [];

    public List<ProcessGroupResult> Processes { get; set; } = [];

    public ToolUsage Tool { get; set; } = new();

    public List<string> Notes { get; set; } = [];

    public long Counter(string name) => Counters.GetValueOrDefault(name);

    public long ErrorCount => Errors.Values.Sum();
}
