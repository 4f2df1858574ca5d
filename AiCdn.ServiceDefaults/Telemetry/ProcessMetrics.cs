using System.Diagnostics.Metrics;

namespace AiCdn.ServiceDefaults.Telemetry;

/// <summary>
/// Facts about the process that the runtime's own <c>System.Runtime</c> meter lacks (meter
/// <c>AiCdn.Process</c>): <c>aicdn.process.memory.limit</c>, the denominator of the memory alert
/// (<c>dotnet.process.memory.working_set</c> / limit). CPU needs nothing extra:
/// <c>dotnet.process.cpu.count</c> already honours a container's CPU quota.
/// </summary>
/// <remarks>
/// One static meter, not one per <see cref="IMeterFactory"/>: the limit belongs to the process,
/// and tests that host several services in one process must still see it once. It is read only
/// when a reader collects (a scrape, an OTLP export), never on a request path.
/// </remarks>
public static class ProcessMetrics
{
    public const string MeterName = "AiCdn.Process";

    private static readonly Meter s_meter = new(MeterName);

    private static readonly ObservableGauge<long> s_memoryLimit = s_meter.CreateObservableGauge(
        "aicdn.process.memory.limit",
        static () => MemoryLimit.Read(MemoryLimit.ProcSelfCgroup, MemoryLimit.CgroupMount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes),
        unit: "By",
        description: "Memory this process may use: its cgroup's limit (container, pod, systemd MemoryMax) or the machine's memory.");

    /// <summary>Makes sure the instruments exist before the first collection.</summary>
    public static void EnsureCreated() => GC.KeepAlive(s_memoryLimit);
}
