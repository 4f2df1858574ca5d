namespace AiCdn.LoadTool.Measurement;

/// <summary>Memory and CPU of one group of watched processes (all edges, all cores, ...).</summary>
public sealed class ProcessGroupResult
{
    public string Group { get; init; } = string.Empty;

    public int Processes { get; init; }

    public bool AllAlive { get; init; }

    public double IdleRssMiB { get; init; }

    public double HeldRssMiB { get; init; }

    /// <summary>(held − idle) / streams held, summed over the group's processes.</summary>
    public double RssPerStreamKiB { get; set; }

    public long OpenFilesHeld { get; init; }

    public double CpuSeconds { get; init; }

    /// <summary>CPU time over the measured window as a percentage of one core (200 = both cores of this machine).</summary>
    public double CpuPercentOfOneCore { get; init; }

    /// <summary>The same over the steady part only (all streams held, no connections being opened).</summary>
    public double SteadyCpuPercentOfOneCore { get; set; }
}
