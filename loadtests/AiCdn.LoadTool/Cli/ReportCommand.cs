using System.ComponentModel;
using AiCdn.LoadTool.Reporting;
using AiCdn.LoadTool.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AiCdn.LoadTool.Cli;

/// <summary><c>report</c>: one table and one HTML page from several runs, with ratios to a baseline run.</summary>
public sealed class ReportCommand : AsyncCommand<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<RESULT_JSON>")]
        public string[] Inputs { get; init; } = [];

        [CommandOption("--baseline <LABEL>")]
        [Description("Label of the runs every other run is compared with (e.g. nginx).")]
        public string? Baseline { get; init; }

        [CommandOption("--html <PATH>")]
        public string? Html { get; init; }

        [CommandOption("--markdown <PATH>")]
        public string? Markdown { get; init; }

        [CommandOption("--title <TEXT>")]
        [DefaultValue("AiCdn load scenarios")]
        public string Title { get; init; } = "AiCdn load scenarios";
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var results = new List<ScenarioResult>();
        foreach (var input in settings.Inputs)
        {
            results.Add(ResultMath.Derive(await ResultJson.ReadAsync(input, cancellationToken)));
        }

        var comparison = new Comparison(results, settings.Baseline);
        var markdown = comparison.ToMarkdown();
        Console.Out.Write(markdown);
        if (settings.Markdown is { } md)
        {
            await File.WriteAllTextAsync(md, markdown, cancellationToken);
        }

        if (settings.Html is { } html)
        {
            await File.WriteAllTextAsync(html, HtmlReport.Render(comparison, settings.Title), cancellationToken);
            AnsiConsole.MarkupLine("report: {0}", Markup.Escape(html));
        }

        return 0;
    }
}
