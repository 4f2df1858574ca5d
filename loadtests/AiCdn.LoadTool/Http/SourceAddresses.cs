using System.Net;
using System.Net.Sockets;

namespace AiCdn.LoadTool.Http;

/// <summary>
/// The local addresses connections are made from. Each source IPv4 address has its own ~28,000
/// ephemeral ports towards one target, so spreading connections over 127.0.0.x lifts the per-tuple
/// port limit. Only loopback addresses are accepted: this tool never sends traffic off the machine.
/// </summary>
public static class SourceAddresses
{
    /// <summary>Parses <c>127.0.0.2-127.0.0.9</c>, a comma list, or a mix; empty means "let the kernel choose".</summary>
    public static IReadOnlyList<IPAddress> Parse(string? spec)
    {
        var result = new List<IPAddress>();
        foreach (var part in (spec ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                result.Add(Loopback(part));
                continue;
            }

            var first = ToUInt(Loopback(part[..dash]));
            var last = ToUInt(Loopback(part[(dash + 1)..]));
            if (last < first || last - first > 65_535)
            {
                throw new FormatException($"Source address range '{part}' is empty or too large.");
            }

            for (var value = first; value <= last; value++)
            {
                result.Add(FromUInt(value));
            }
        }

        return result;
    }

    /// <summary>Shard i of n takes every n-th address, so parallel tool processes never share a source port space.</summary>
    public static IReadOnlyList<IPAddress> Slice(IReadOnlyList<IPAddress> addresses, Shard shard)
    {
        if (addresses.Count == 0 || shard.Count == 1)
        {
            return addresses;
        }

        if (addresses.Count < shard.Count)
        {
            throw new ArgumentException($"{addresses.Count} source addresses cannot be split over {shard.Count} shards; give at least one per shard.");
        }

        return addresses.Where((_, i) => i % shard.Count == shard.Index).ToList();
    }

    private static IPAddress Loopback(string text)
    {
        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork || !IPAddress.IsLoopback(address))
        {
            throw new FormatException($"Source address '{text}' must be an IPv4 loopback address (127.0.0.0/8).");
        }

        return address;
    }

    private static uint ToUInt(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }

    private static IPAddress FromUInt(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
}
