namespace AiCdn.LoadTool.Measurement;

/// <summary>What the load tool itself used, and how busy the whole machine was, over the measured window.</summary>
public sealed class ToolUsage
{
    public double CpuSeconds { get; set; }

    public double CpuPercentOfOneCore { get; set; }

    public double PeakRssMiB { get; set; }

    /// <summary>All processes' CPU over the window, as a percentage of the machine (100 = every core busy).</summary>
    public double MachineCpuBusyPercent { get; set; }

    public double WindowSeconds { get; set; }

    public double SteadyCpuPercentOfOneCore { get; set; }

    public double SteadyMachineCpuBusyPercent { get; set; }
}
