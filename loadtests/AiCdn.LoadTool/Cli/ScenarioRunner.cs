using AiCdn.LoadTool.Measurement;
using AiCdn.LoadTool.Reporting;
using AiCdn.LoadTool.Results;
using Spectre.Console;

namespace AiCdn.LoadTool.Cli;

/// <summary>Runs a scenario with progress, then prints and writes its result.</summary>
internal static class ScenarioRunner
{
    public static async Task<int> RunAsync(RunSettings settings, LiveCounters live, Func<CancellationToken, Task<ScenarioResult>> run, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        var interactive = !settings.NoProgress && !Console.IsOutputRedirected && console.Profile.Capabilities.Interactive;
        if (Console.IsOutputRedirected)
        {
            // Logs are read later, not on an 80-column terminal: keep the tables whole.
            console.Profile.Width = 160;
        }
        ScenarioResult result;
        try
        {
            result = ResultMath.Derive(await ProgressDisplay.ShowAsync(console, live, run(cancellationToken), interactive));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or HttpRequestException)
        {
            console.MarkupLine("[red]error:[/] {0}", Markup.Escape(ex.Message));
            return 2;
        }

        ConsoleReport.Write(console, result);
        if (settings.Json is { } json)
        {
            await ResultJson.WriteAsync(result, json, cancellationToken);
            console.MarkupLine("result: {0}", Markup.Escape(json));
        }

        if (settings.Html is { } html)
        {
            await File.WriteAllTextAsync(html, HtmlReport.Render(new Comparison([result], null), $"aicdn-load {result.Scenario}"), cancellationToken);
            console.MarkupLine("report: {0}", Markup.Escape(html));
        }

        // Non-zero when the run was not clean, so scripts and CI notice.
        return result.ErrorCount == 0 && result.Counter("chunks_lost") == 0 ? 0 : 1;
    }
}
