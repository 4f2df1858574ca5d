using System.ComponentModel;
using AiCdn.LoadTool.Chaos;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AiCdn.LoadTool.Cli;

/// <summary><c>chaos</c>: the fault suite against a chain this command starts itself.</summary>
public sealed class ChaosCommand : AsyncCommand<ChaosCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--bin <DIR>")]
        [Description("Release builds of the services: <DIR>/<Service>/<Service>.dll (what start-chain.sh builds into $LOAD_HOME/bin/chain).")]
        public string Bin { get; init; } = "/tmp/aicdn-load/bin/chain";

        [CommandOption("--out <DIR>")]
        [Description("Logs of every process, and chaos.md with the table.")]
        public string Out { get; init; } = "/tmp/aicdn-load/chaos";

        [CommandOption("-n|--streams <N>")]
        [DefaultValue(2000)]
        public int Streams { get; init; } = 2000;

        [CommandOption("--tokens <N>")]
        [DefaultValue(40)]
        public int Tokens { get; init; } = 40;

        [CommandOption("--token-interval-ms <MS>")]
        [DefaultValue(250)]
        public int TokenIntervalMs { get; init; } = 250;

        [CommandOption("--background-rate <PER_S>")]
        [DefaultValue(20.0)]
        public double BackgroundRate { get; init; } = 20;

        [CommandOption("--keys <N>")]
        [DefaultValue(8)]
        public int Keys { get; init; } = 8;

        [CommandOption("--stall <SECONDS>")]
        [DefaultValue(30.0)]
        public double Stall { get; init; } = 30;

        [CommandOption("--faults <LIST>")]
        [Description("Comma-separated, in order: core-kill, core-restart, redis-kill, redis-stop, edge-drain, origin-stall (default all).")]
        public string? Faults { get; init; }

        [CommandOption("--base-port <PORT>")]
        [DefaultValue(19500)]
        public int BasePort { get; init; } = 19500;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new ChaosOptions
        {
            Bin = settings.Bin,
            RunDirectory = settings.Out,
            Streams = settings.Streams,
            TokensPerStream = settings.Tokens,
            TokenIntervalMs = settings.TokenIntervalMs,
            BackgroundRate = settings.BackgroundRate,
            Keys = settings.Keys,
            OriginStall = TimeSpan.FromSeconds(settings.Stall),
            BasePort = settings.BasePort,
            Faults = settings.Faults is { Length: > 0 } list ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : ChaosFaults.All,
        };
        Directory.CreateDirectory(options.RunDirectory);
        var results = await new ChaosScenario(options).RunAsync(line => AnsiConsole.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss}[/] {line}"), cancellationToken);
        var markdown = ChaosReport.Markdown(results, options);
        await File.WriteAllTextAsync(Path.Combine(options.RunDirectory, "chaos.md"), markdown, cancellationToken);
        AnsiConsole.WriteLine(markdown);

        var bad = results.Sum(r => r.SilentTruncations + r.Duplicated + r.Altered + r.RefusedWithHealthyPath);
        return bad == 0 ? 0 : 1;
    }
}
