using System.ComponentModel;
using System.Globalization;
using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Measurement;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AiCdn.LoadTool.Cli;

/// <summary>Options every load scenario takes.</summary>
public class RunSettings : CommandSettings
{
    public const string KeyVariable = "AICDN_LOAD_KEY";

    [CommandOption("-t|--target <URL>")]
    [Description("Base URL of the chain's entry (an edge), e.g. http://127.0.0.1:8080. Repeat or comma-separate to spread over several edges.")]
    public string[] Targets { get; init; } = [];

    [CommandOption("-k|--key <KEY>")]
    [Description($"API key sent as the bearer token. Defaults to ${KeyVariable}, which keeps it out of the process list.")]
    public string? Key { get; init; }

    [CommandOption("--model <MODEL>")]
    [DefaultValue("mock-gpt")]
    public string Model { get; init; } = "mock-gpt";

    [CommandOption("--prompts <N>")]
    [Description("Distinct prompts; each has its own expected text.")]
    [DefaultValue(8)]
    public int Prompts { get; init; } = 8;

    [CommandOption("--label <NAME>")]
    [Description("What is measured (aicdn, nginx, direct): shown in reports, matched by 'report --baseline'.")]
    [DefaultValue("aicdn")]
    public string Label { get; init; } = "aicdn";

    [CommandOption("--sources <ADDRESSES>")]
    [Description("Local source addresses, e.g. 127.0.0.2-127.0.0.9 (loopback only). Each adds ~28k ephemeral ports.")]
    public string? Sources { get; init; }

    [CommandOption("--shard <I/N>")]
    [Description("Run the i-th of n parts of the load (several tool processes; merge their JSON with 'merge').")]
    public string? Shard { get; init; }

    [CommandOption("--start-at <UNIX_MS>")]
    [Description("Common start time of all shards, Unix milliseconds.")]
    public long? StartAt { get; init; }

    [CommandOption("--http2")]
    [Description("HTTP/2 with prior knowledge instead of HTTP/1.1.")]
    public bool Http2 { get; init; }

    [CommandOption("-w|--watch <GROUP=PID>")]
    [Description("A process of the chain whose memory and CPU to read, e.g. edge=1234+1235. Repeatable.")]
    public string[] Watch { get; init; } = [];

    [CommandOption("--watch-file <PATH>")]
    [Description("File of 'group pid' lines (start-chain.sh writes run/pids).")]
    public string? WatchFile { get; init; }

    [CommandOption("--json <PATH>")]
    [Description("Write the result as JSON.")]
    public string? Json { get; init; }

    [CommandOption("--html <PATH>")]
    [Description("Write a self-contained HTML report.")]
    public string? Html { get; init; }

    [CommandOption("--no-progress")]
    [Description("Plain progress lines instead of the live table.")]
    public bool NoProgress { get; init; }

    public string ApiKey => Key ?? Environment.GetEnvironmentVariable(KeyVariable) ?? string.Empty;

    public IReadOnlyList<Uri> TargetUris => ParseTargets(Targets);

    public Shard ShardValue => Http.Shard.TryParse(Shard, out var shard) ? shard : Http.Shard.Single;

    public DateTimeOffset? StartAtValue => StartAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public IReadOnlyList<WatchedProcess> WatchedProcesses =>
        Watch.SelectMany(WatchedProcess.Parse)
            .Concat(WatchFile is null ? [] : WatchedProcess.ReadFile(WatchFile))
            .ToList();

    public static IReadOnlyList<Uri> ParseTargets(IEnumerable<string> targets) =>
        targets.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(t => new Uri(t.EndsWith('/') ? t : t + "/"))
            .ToList();

    public override ValidationResult Validate()
    {
        var problems = new List<string>();
        if (Targets.Length == 0 && RequiresTarget)
        {
            problems.Add("--target is required");
        }

        try
        {
            foreach (var target in TargetUris)
            {
                if (target.Scheme != Uri.UriSchemeHttp || !(target.IsLoopback || target.Host.StartsWith("127.", StringComparison.Ordinal)))
                {
                    problems.Add($"target {target} must be an http:// URL on this machine (loopback): the tool never loads anything else");
                }
            }
        }
        catch (UriFormatException ex)
        {
            problems.Add("a target is not a URL: " + ex.Message);
        }

        if (string.IsNullOrEmpty(ApiKey))
        {
            problems.Add($"an API key is required (--key or ${KeyVariable})");
        }

        if (!Http.Shard.TryParse(Shard, out _))
        {
            problems.Add($"--shard '{Shard}' is not i/n with 0 <= i < n");
        }

        try
        {
            _ = SourceAddresses.Slice(SourceAddresses.Parse(Sources), ShardValue);
            _ = WatchedProcesses;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IOException)
        {
            problems.Add(ex.Message);
        }

        if (Prompts < 1)
        {
            problems.Add("--prompts must be at least 1");
        }

        problems.AddRange(MoreProblems());
        return problems.Count == 0 ? ValidationResult.Success() : ValidationResult.Error(string.Join(Environment.NewLine, problems));
    }

    protected virtual bool RequiresTarget => true;

    protected virtual IEnumerable<string> MoreProblems() => [];

    internal static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
