using System.ComponentModel;
using AiCdn.LoadTool.Reporting;
using AiCdn.LoadTool.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AiCdn.LoadTool.Cli;

/// <summary><c>merge</c>: one result from the JSON of several shards (histograms merged exactly).</summary>
public sealed class MergeCommand : AsyncCommand<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SHARD_JSON>")]
        public string[] Inputs { get; init; } = [];

        [CommandOption("--json <PATH>")]
        [Description("Where to write the merged result.")]
        public string? Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var shards = new List<ScenarioResult>();
        foreach (var input in settings.Inputs)
        {
            shards.Add(await ResultJson.ReadAsync(input, cancellationToken));
        }

        var merged = ResultMath.Merge(shards);
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Console.Profile.Width = 160;
        }

        ConsoleReport.Write(AnsiConsole.Console, merged);
        if (settings.Json is { } json)
        {
            await ResultJson.WriteAsync(merged, json, cancellationToken);
            AnsiConsole.MarkupLine("merged: {0}", Markup.Escape(json));
        }

        return merged.ErrorCount == 0 && merged.Counter("chunks_lost") == 0 ? 0 : 1;
    }
}
