using System.Net;

namespace AiCdn.EdgeGateway.Protection;

/// <summary>Client addresses as the per-IP limits see them, and the trusted-proxy list.</summary>
public static class ClientAddresses
{
    /// <summary>Stands for connections without an IP (Unix sockets, in-memory tests).</summary>
    public static readonly IPAddress Unknown = IPAddress.None;

    /// <summary>
    /// The partition a client's requests count against: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6
    /// by its /64, the smallest block one subscriber is given (RFC 6177), so rotating addresses within
    /// it does not multiply the limit.
    /// </summary>
    public static IPAddress PartitionKey(IPAddress? address)
    {
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    /// <summary>Parses comma-separated IPs and CIDR networks (<c>10.0.0.0/8, 192.0.2.7, 2001:db8::/32</c>).</summary>
    public static bool TryParseNetworks(string? value, out List<IPNetwork> networks, out string? error)
    {
        networks = [];
        error = null;
        foreach (var item in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (item.Contains('/', StringComparison.Ordinal))
            {
                if (!IPNetwork.TryParse(item, out var network))
                {
                    error = $"'{item}' is not a CIDR network.";
                    return false;
                }

                networks.Add(network);
            }
            else if (IPAddress.TryParse(item, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                error = $"'{item}' is not an IP address or CIDR network.";
                return false;
            }
        }

        return true;
    }
}
