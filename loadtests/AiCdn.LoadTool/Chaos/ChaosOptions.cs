namespace AiCdn.LoadTool.Chaos;

/// <summary>What <see cref="ChaosScenario"/> runs: the chain it starts, the load it holds, the faults it injects.</summary>
public sealed class ChaosOptions
{
    /// <summary>Folder holding the four services' builds: <c>&lt;Bin&gt;/&lt;Service&gt;/&lt;Service&gt;.dll</c>.</summary>
    public required string Bin { get; init; }

    /// <summary>Where a service's build is, by its project name; defaults to <see cref="Bin"/>'s layout.</summary>
    public Func<string, string>? LocateService { get; init; }

    /// <summary>Where logs and results go.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>Streams held through each fault, spread over both edges and every key.</summary>
    public int Streams { get; init; } = 2000;

    public int TokensPerStream { get; init; } = 40;

    public int TokenIntervalMs { get; init; } = 250;

    /// <summary>Streams opened per second before the fault.</summary>
    public double OpenRate { get; init; } = 400;

    /// <summary>Background non-streamed requests per second through the edges.</summary>
    public double BackgroundRate { get; init; } = 20;

    /// <summary>API keys the load is spread over; each is checked for exact settlement.</summary>
    public int Keys { get; init; } = 8;

    /// <summary>How long the origin stalls in the stall fault.</summary>
    public TimeSpan OriginStall { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The faults to run, in order (all of <see cref="ChaosFaults.All"/> by default).</summary>
    public IReadOnlyList<string> Faults { get; init; } = ChaosFaults.All;

    /// <summary>First of the consecutive loopback ports the chain listens on.</summary>
    public int BasePort { get; init; } = 19500;
}
