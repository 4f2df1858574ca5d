using AiCdn.LoadTool.Measurement;

namespace AiCdn.LoadTool.Results;

/// <summary>Merges shards of one run and derives the headline figures, so one shard and a merged run read the same.</summary>
public static class ResultMath
{
    public static ScenarioResult Merge(IReadOnlyList<ScenarioResult> shards)
    {
        if (shards.Count == 0)
        {
            throw new ArgumentException("Nothing to merge.");
        }

        if (shards.Select(s => s.Scenario).Distinct().Count() > 1)
        {
            throw new ArgumentException("Only shards of one scenario can be merged.");
        }

        if (shards.Count == 1)
        {
            return Derive(shards[0]);
        }

        var first = shards[0];
        var merged = new ScenarioResult
        {
            Scenario = first.Scenario,
            Label = first.Label,
            StartedAt = shards.Min(s => s.StartedAt),
            Shards = shards.Count,
            Targets = shards.SelectMany(s => s.Targets).Distinct().ToList(),
            Settings = new(first.Settings) { ["shard"] = $"{shards.Count} processes" },
            MeasuredSeconds = shards.Max(s => s.MeasuredSeconds),
            Processes = shards.FirstOrDefault(s => s.Processes.Count > 0)?.Processes ?? [],
            Notes = shards.SelectMany(s => s.Notes).Distinct().ToList(),
        };

        foreach (var shard in shards)
        {
            foreach (var (name, value) in shard.Counters)
            {
                // Per-stream constants are the same in every shard; everything else adds up.
                merged.Counters[name] = name.StartsWith("expected_", StringComparison.Ordinal) ? value : merged.Counters.GetValueOrDefault(name) + value;
            }

            foreach (var (name, value) in shard.Errors)
            {
                merged.Errors[name] = merged.Errors.GetValueOrDefault(name) + value;
            }
        }

        foreach (var name in shards.SelectMany(s => s.Latencies.Keys).Distinct())
        {
            var histogram = new LatencyHistogram();
            foreach (var shard in shards)
            {
                if (shard.Latencies.TryGetValue(name, out var summary) && summary.Histogram.Length > 0)
                {
                    histogram.Add(LatencyHistogram.Decode(summary.Histogram));
                }
            }

            merged.Latencies[name] = LatencySummary.From(histogram);
        }

        // The tool's CPU adds up over its processes; the machine's busy share is one figure, seen alike by all.
        merged.Tool = new ToolUsage
        {
            CpuSeconds = shards.Sum(s => s.Tool.CpuSeconds),
            CpuPercentOfOneCore = shards.Sum(s => s.Tool.CpuPercentOfOneCore),
            SteadyCpuPercentOfOneCore = shards.Sum(s => s.Tool.SteadyCpuPercentOfOneCore),
            PeakRssMiB = shards.Sum(s => s.Tool.PeakRssMiB),
            MachineCpuBusyPercent = shards.Max(s => s.Tool.MachineCpuBusyPercent),
            SteadyMachineCpuBusyPercent = shards.Max(s => s.Tool.SteadyMachineCpuBusyPercent),
            WindowSeconds = shards.Max(s => s.Tool.WindowSeconds),
        };

        return Derive(merged);
    }

    /// <summary>Recomputes the derived figures from counters, histograms and process samples.</summary>
    public static ScenarioResult Derive(ScenarioResult result)
    {
        result.Figures.Clear();
        switch (result.Scenario)
        {
            case "streams":
                var held = result.Counter("streams_held");
                foreach (var group in result.Processes)
                {
                    group.RssPerStreamKiB = held > 0 ? (group.HeldRssMiB - group.IdleRssMiB) * 1024 / held : 0;
                }

                result.Figures["streams_held"] = held;
                result.Figures["chunks_lost"] = result.Counter("chunks_lost");
                result.Figures["errors"] = result.ErrorCount;
                break;
            case "rate":
                result.Figures["achieved_rate_per_s"] = result.MeasuredSeconds > 0 ? result.Counter("requests_ok") / result.MeasuredSeconds : 0;
                result.Figures["errors"] = result.ErrorCount;
                result.Figures["chunks_lost"] = result.Counter("chunks_lost");
                break;
            case "overhead":
                Added("time_to_first_token");
                Added("chunk_gap");
                result.Figures["errors"] = result.ErrorCount;
                result.Figures["chunks_lost"] = result.Counter("chunks_lost");
                break;
        }

        return result;

        void Added(string name)
        {
            if (result.Latencies.TryGetValue("direct_" + name, out var direct) && result.Latencies.TryGetValue("chain_" + name, out var chain))
            {
                result.Figures[$"added_{name}_p50_ms"] = chain.P50Ms - direct.P50Ms;
                result.Figures[$"added_{name}_p99_ms"] = chain.P99Ms - direct.P99Ms;
            }
        }
    }
}
