using System.Globalization;

namespace AiCdn.LoadTool.Measurement;

/// <summary>Reads process and machine figures from Linux's /proc (the figures a sysadmin would read with ps and top).</summary>
public static class ProcFs
{
    // USER_HZ is 100 on every Linux ABI .NET runs on; /proc/[pid]/stat counts CPU time in it.
    private const double TicksPerSecond = 100.0;

    public static bool Available => OperatingSystem.IsLinux() && Directory.Exists("/proc/self");

    public static ProcessSample Sample(int pid)
    {
        try
        {
            long rss = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
                    break;
                }
            }

            // The command name in field 2 may contain spaces and parentheses: parse after its last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var files = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
            return new ProcessSample(true, rss, TimeSpan.FromSeconds(ticks / TicksPerSecond), files);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return new ProcessSample(false, 0, TimeSpan.Zero, 0);
        }
    }

    /// <summary>Busy and total jiffies of the whole machine (first line of /proc/stat).</summary>
    public static (long Busy, long Total) MachineCpu()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First();
            var values = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();

            // idle + iowait are the not-busy columns.
            var idle = values[3] + (values.Length > 4 ? values[4] : 0);
            var total = values.Take(8).Sum();
            return (total - idle, total);
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            return (0, 0);
        }
    }

    public static long MemTotalBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(line.AsSpan(9).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidOperationException)
        {
            return 0;
        }
    }
}
