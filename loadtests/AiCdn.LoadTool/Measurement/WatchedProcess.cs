using System.Globalization;

namespace AiCdn.LoadTool.Measurement;

/// <summary>A process of the chain under test whose memory, CPU and sockets are read from /proc.</summary>
/// <param name="Group">What it is (edge, core, mock, nginx-edge, ...); figures are summed per group.</param>
/// <param name="Pid">Its process id.</param>
public sealed record WatchedProcess(string Group, int Pid)
{
    /// <summary>Parses <c>group=pid[+pid...]</c>.</summary>
    public static IReadOnlyList<WatchedProcess> Parse(string spec)
    {
        var equals = spec.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == spec.Length - 1)
        {
            throw new FormatException($"'{spec}' is not group=pid[+pid...].");
        }

        var group = spec[..equals];
        return spec[(equals + 1)..]
            .Split(['+', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                ? new WatchedProcess(group, pid)
                : throw new FormatException($"'{p}' in '{spec}' is not a process id."))
            .ToList();
    }

    /// <summary>Reads a file of <c>group pid</c> lines, as the scenario scripts write into their run directory.</summary>
    public static IReadOnlyList<WatchedProcess> ReadFile(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .SelectMany(line =>
            {
                var parts = line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length == 2
                    ? Parse($"{parts[0]}={parts[1]}")
                    : throw new FormatException($"'{line}' in {path} is not 'group pid'.");
            })
            .ToList();
}
