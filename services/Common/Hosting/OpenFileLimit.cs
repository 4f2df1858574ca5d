using System.Globalization;

namespace AiCdn.Common.Hosting;

/// <summary>
/// How many files (sockets included) this process may hold open: the soft <c>RLIMIT_NOFILE</c>
/// (<c>ulimit -n</c>, systemd's <c>LimitNOFILE</c>, a container's nofile ulimit). A relay that
/// accepts connections past it cannot open the sockets its requests need next, nor the files the
/// runtime itself needs, so connection limits are held below it.
/// </summary>
public static class OpenFileLimit
{
    /// <summary>The soft limit, or null where it cannot be read (not Linux) or there is none.</summary>
    public static long? Read()
    {
        try
        {
            return File.Exists("/proc/self/limits") ? Parse(File.ReadAllText("/proc/self/limits")) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The "Max open files" soft limit from the text of <c>/proc/self/limits</c>.</summary>
    public static long? Parse(string limits)
    {
        foreach (var line in limits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
        }

        return null;
    }

    /// <summary>
    /// Descriptors kept for everything but the connections being limited: the runtime's own
    /// (epoll, event and memory files), listeners, links to the next hop, configuration files.
    /// </summary>
    public static long Reserve(long limit) => Math.Max(256, limit / 50);

    /// <summary>
    /// The most connections a process with this limit may hold when each costs
    /// <paramref name="descriptorsPerConnection"/> descriptors (2 where every request opens its
    /// own socket to the next hop), never below 64.
    /// </summary>
    public static long ConnectionBudget(long limit, int descriptorsPerConnection = 1) =>
        Math.Max(64, (limit - Reserve(limit)) / Math.Max(1, descriptorsPerConnection));
}
