using System.Globalization;
using AiCdn.LoadTool.Results;
using Spectre.Console;

namespace AiCdn.LoadTool.Reporting;

/// <summary>The console summary of one run.</summary>
public static class ConsoleReport
{
    public static void Write(IAnsiConsole console, ScenarioResult r)
    {
        console.Write(new Rule($"[bold]{Markup.Escape(r.Scenario)}[/] · {Markup.Escape(r.Label)} · {Markup.Escape(Comparison.Load(r))}").LeftJustified());
        var counters = new Table().AddColumns("counter", "value");
        foreach (var (name, value) in r.Counters)
        {
            counters.AddRow(name, value.ToString("N0", CultureInfo.InvariantCulture));
        }

        foreach (var (name, value) in r.Figures.Where(f => !r.Counters.ContainsKey(f.Key)))
        {
            counters.AddRow(name, value.ToString("0.###", CultureInfo.InvariantCulture));
        }

        console.Write(counters);

        if (r.Errors.Count > 0)
        {
            var errors = new Table().AddColumns("error", "count");
            foreach (var (name, value) in r.Errors)
            {
                errors.AddRow(Markup.Escape(name), value.ToString("N0", CultureInfo.InvariantCulture));
            }

            console.Write(errors);
        }

        var latencies = new Table().AddColumns("latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max");
        foreach (var (name, l) in r.Latencies)
        {
            latencies.AddRow(name, l.Count.ToString("N0", CultureInfo.InvariantCulture), Ms(l.P50Ms), Ms(l.P90Ms), Ms(l.P99Ms), Ms(l.P999Ms), Ms(l.MaxMs));
        }

        console.Write(latencies);

        if (r.Processes.Count > 0)
        {
            var processes = new Table().AddColumns("group", "procs", "idle MiB", "held MiB", "KiB/stream", "fds held", "CPU s", "CPU % whole", "CPU % steady");
            foreach (var p in r.Processes)
            {
                processes.AddRow(
                    Markup.Escape(p.Group) + (p.AllAlive ? string.Empty : " [red](died)[/]"),
                    p.Processes.ToString(CultureInfo.InvariantCulture),
                    p.IdleRssMiB.ToString("0.0", CultureInfo.InvariantCulture),
                    p.HeldRssMiB.ToString("0.0", CultureInfo.InvariantCulture),
                    p.RssPerStreamKiB.ToString("0.00", CultureInfo.InvariantCulture),
                    p.OpenFilesHeld.ToString("N0", CultureInfo.InvariantCulture),
                    p.CpuSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                    p.CpuPercentOfOneCore.ToString("0", CultureInfo.InvariantCulture),
                    p.SteadyCpuPercentOfOneCore.ToString("0", CultureInfo.InvariantCulture));
            }

            console.Write(processes);
        }

        console.MarkupLine(CultureInfo.InvariantCulture,
            "load tool: {0:0.0} CPU s, {1:0}% of a core (steady {2:0}%), peak {3:0} MiB; machine busy {4:0}% (steady {5:0}%)",
            r.Tool.CpuSeconds, r.Tool.CpuPercentOfOneCore, r.Tool.SteadyCpuPercentOfOneCore, r.Tool.PeakRssMiB, r.Tool.MachineCpuBusyPercent, r.Tool.SteadyMachineCpuBusyPercent);
        foreach (var note in r.Notes)
        {
            console.MarkupLine("[yellow]{0}[/]", Markup.Escape(note));
        }
    }

    private static string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
