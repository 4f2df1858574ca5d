using System.Globalization;

namespace AiCdn.ServiceDefaults.Telemetry;

/// <summary>
/// How much memory this process may use: the tightest cgroup limit on its cgroup's path (a
/// container's limit, a Kubernetes pod's, or systemd's <c>MemoryMax=</c> as the original's
/// deployment set it), else the machine's memory. Prometheus cannot see these limits itself, so
/// the memory alert divides the working set by this.
/// </summary>
public static class MemoryLimit
{
    public const string ProcSelfCgroup = "/proc/self/cgroup";
    public const string CgroupMount = "/sys/fs/cgroup";

    /// <summary>The limit in bytes; <paramref name="physical"/> when no cgroup sets a lower one.</summary>
    public static long Read(string procSelfCgroup, string cgroupMount, long physical)
    {
        var limit = physical > 0 ? physical : long.MaxValue;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(procSelfCgroup);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return limit;
        }

        foreach (var line in lines)
        {
            // "hierarchy-id:controllers:path": "0::/path" is cgroup v2, "N:...memory...:/path" is v1.
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            if (parts[0] == "0" && parts[1].Length == 0)
            {
                limit = Math.Min(limit, Tightest(cgroupMount, parts[2], "memory.max"));
            }
            else if (parts[1].Split(',').Contains("memory"))
            {
                limit = Math.Min(limit, Tightest(Path.Combine(cgroupMount, "memory"), parts[2], "memory.limit_in_bytes"));
            }
        }

        return limit;
    }

    /// <summary>Walks from the process's cgroup up to the mount point: a parent's limit binds its children too.</summary>
    private static long Tightest(string mount, string cgroupPath, string fileName)
    {
        var tightest = long.MaxValue;
        var relative = cgroupPath.Trim('/');
        while (true)
        {
            var file = Path.Combine(mount, relative, fileName);
            if (TryReadBytes(file, out var bytes))
            {
                tightest = Math.Min(tightest, bytes);
            }

            if (relative.Length == 0)
            {
                return tightest;
            }

            var slash = relative.LastIndexOf('/');
            relative = slash < 0 ? string.Empty : relative[..slash];
        }
    }

    private static bool TryReadBytes(string file, out long bytes)
    {
        bytes = 0;
        try
        {
            // cgroup v2 writes "max" for no limit; v1 writes a page-rounded long.MaxValue.
            var text = File.ReadAllText(file).Trim();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out bytes) && bytes > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
