using System.Diagnostics;

namespace AiCdn.LoadTool.Measurement;

/// <summary>
/// Takes named snapshots ("idle", "held", "end") of every watched process, of this tool and of the
/// machine's CPU, and turns pairs of them into per-group memory and CPU figures.
/// </summary>
public sealed class ProcessMonitor(IReadOnlyList<WatchedProcess> watched, TimeProvider time)
{
    private readonly Dictionary<string, Mark> _marks = [];

    public IReadOnlyList<WatchedProcess> Watched => watched;

    public void Take(string name)
    {
        var samples = watched.Select(p => (p, ProcFs.Sample(p.Pid))).ToList();
        using var self = Process.GetCurrentProcess();
        var machine = ProcFs.MachineCpu();
        _marks[name] = new Mark(time.GetTimestamp(), samples, self.TotalProcessorTime, self.WorkingSet64, machine.Busy, machine.Total);
    }

    public bool Has(string name) => _marks.ContainsKey(name);

    /// <summary>Memory between <paramref name="idle"/> and <paramref name="held"/>, CPU between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public List<ProcessGroupResult> Groups(string idle, string held, string from, string to, long streamsHeld)
    {
        if (!_marks.TryGetValue(idle, out var i) || !_marks.TryGetValue(held, out var h) || !_marks.TryGetValue(from, out var f) || !_marks.TryGetValue(to, out var t))
        {
            return [];
        }

        var seconds = time.GetElapsedTime(f.Timestamp, t.Timestamp).TotalSeconds;
        return watched.GroupBy(p => p.Group).Select(group =>
        {
            long Sum(Mark m, Func<ProcessSample, long> value) =>
                m.Samples.Where(s => s.Process.Group == group.Key).Sum(s => value(s.Sample));
            var idleRss = Sum(i, s => s.RssBytes);
            var heldRss = Sum(h, s => s.RssBytes);
            var cpu = TimeSpan.FromTicks(Sum(t, s => s.CpuTime.Ticks) - Sum(f, s => s.CpuTime.Ticks));
            return new ProcessGroupResult
            {
                Group = group.Key,
                Processes = group.Count(),
                AllAlive = t.Samples.Where(s => s.Process.Group == group.Key).All(s => s.Sample.Alive),
                IdleRssMiB = idleRss / 1048576.0,
                HeldRssMiB = heldRss / 1048576.0,
                RssPerStreamKiB = streamsHeld > 0 ? (heldRss - idleRss) / 1024.0 / streamsHeld : 0,
                OpenFilesHeld = Sum(h, s => s.OpenFiles),
                CpuSeconds = cpu.TotalSeconds,
                CpuPercentOfOneCore = seconds > 0 ? cpu.TotalSeconds / seconds * 100 : 0,
            };
        }).ToList();
    }

    /// <summary>This tool's own CPU and memory, to show whether it, rather than the chain, was the limit.</summary>
    public ToolUsage Tool(string from, string to)
    {
        if (!_marks.TryGetValue(from, out var f) || !_marks.TryGetValue(to, out var t))
        {
            return new ToolUsage();
        }

        var seconds = time.GetElapsedTime(f.Timestamp, t.Timestamp).TotalSeconds;
        var cpu = (t.ToolCpu - f.ToolCpu).TotalSeconds;
        var machineTotal = t.MachineTotal - f.MachineTotal;
        return new ToolUsage
        {
            CpuSeconds = cpu,
            CpuPercentOfOneCore = seconds > 0 ? cpu / seconds * 100 : 0,
            PeakRssMiB = Math.Max(f.ToolRss, t.ToolRss) / 1048576.0,
            MachineCpuBusyPercent = machineTotal > 0 ? (t.MachineBusy - f.MachineBusy) * 100.0 / machineTotal : 0,
            WindowSeconds = seconds,
        };
    }

    public void NoteRss(string name)
    {
        if (_marks.TryGetValue(name, out var mark))
        {
            using var self = Process.GetCurrentProcess();
            _marks[name] = mark with { ToolRss = Math.Max(mark.ToolRss, self.WorkingSet64) };
        }
    }

    private sealed record Mark(
        long Timestamp,
        List<(WatchedProcess Process, ProcessSample Sample)> Samples,
        TimeSpan ToolCpu,
        long ToolRss,
        long MachineBusy,
        long MachineTotal);
}
