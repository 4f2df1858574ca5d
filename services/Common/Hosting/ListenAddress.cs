using System.Globalization;
using System.Net;

namespace AiCdn.Common.Hosting;

/// <summary>
/// A listen address in the original's forms: <c>:8080</c> or <c>8080</c> (every interface), <c>host:8080</c>,
/// <c>[::1]:8080</c>, or a URL such as <c>http://0.0.0.0:8080</c>.
/// </summary>
public sealed record ListenAddress(string? Host, int Port)
{
    /// <summary>True when the address means every interface.</summary>
    public bool IsAnyHost => Host is null or "" or "*" or "+" or "0.0.0.0" or "::" or "[::]";

    public static bool TryParse(string? value, out ListenAddress address)
    {
        address = null!;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var text = value.Trim();
        if (text.Contains("://", StringComparison.Ordinal))
        {
            var schemeEnd = text.IndexOf("://", StringComparison.Ordinal) + 3;
            var pathStart = text.IndexOf('/', schemeEnd);
            text = pathStart < 0 ? text[schemeEnd..] : text[schemeEnd..pathStart];
        }

        // A bare port, as Aspire passes an endpoint's port in an environment variable.
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var barePort) && barePort <= 65535)
        {
            address = new ListenAddress(null, barePort);
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0 || (text.StartsWith('[') && !text[..colon].EndsWith(']')))
        {
            return false;
        }

        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            return false;
        }

        var host = text[..colon].Trim('[', ']');
        address = new ListenAddress(host.Length == 0 ? null : host, port);
        return true;
    }

    /// <summary>The IP to bind, or null for every interface; "localhost" binds loopback.</summary>
    public IPAddress? ToIPAddress()
    {
        if (IsAnyHost)
        {
            return null;
        }

        if (string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        return IPAddress.TryParse(Host, out var ip)
            ? ip
            : throw new FormatException($"Listen host '{Host}' must be an IP address, 'localhost' or empty (every interface).");
    }

    public override string ToString() => IsAnyHost ? $":{Port}" : $"{Host}:{Port}";
}
