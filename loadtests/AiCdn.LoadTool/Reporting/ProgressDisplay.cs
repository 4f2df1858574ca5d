using System.Diagnostics;
using System.Globalization;
using AiCdn.LoadTool.Measurement;
using Spectre.Console;

namespace AiCdn.LoadTool.Reporting;

/// <summary>
/// Shows a running scenario's counters: a live Spectre.Console table on a terminal, one plain line
/// every few seconds when the output goes to a file or a pipe (scripts, CI).
/// </summary>
public static class ProgressDisplay
{
    public static async Task<T> ShowAsync<T>(IAnsiConsole console, LiveCounters live, Task<T> run, bool interactive)
    {
        var clock = Stopwatch.StartNew();
        if (!interactive)
        {
            while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5))) != run)
            {
                console.WriteLine(Line(live, clock.Elapsed));
            }

            return await run;
        }

        var table = new Table().AddColumns("elapsed", "phase", "started", "open", "peak open", "ok", "failed", "events", "lost chunks");
        table.AddRow(Cells(live, clock.Elapsed));
        await console.Live(table).StartAsync(async context =>
        {
            while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(500))) != run)
            {
                table.Rows.Update(0, 0, new Text(clock.Elapsed.ToString(@"m\:ss", CultureInfo.InvariantCulture)));
                var cells = Cells(live, clock.Elapsed);
                for (var i = 1; i < cells.Length; i++)
                {
                    table.Rows.Update(0, i, new Text(cells[i]));
                }

                context.Refresh();
            }
        });

        return await run;
    }

    private static string[] Cells(LiveCounters live, TimeSpan elapsed) =>
    [
        elapsed.ToString(@"m\:ss", CultureInfo.InvariantCulture),
        live.Phase,
        N(live.Started),
        N(live.Open),
        N(live.PeakOpen),
        N(live.Succeeded),
        N(live.Failed),
        N(live.Events),
        N(live.Lost),
    ];

    private static string Line(LiveCounters live, TimeSpan elapsed)
    {
        var c = Cells(live, elapsed);
        return $"[{c[0]}] {c[1]}: started {c[2]}, open {c[3]} (peak {c[4]}), ok {c[5]}, failed {c[6]}, events {c[7]}, lost chunks {c[8]}";
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
