using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace AiCdn.Common.Hosting;

public static class KestrelListenerExtensions
{
    /// <summary>
    /// Binds one listener. Kestrel drops <c>ASPNETCORE_URLS</c> as soon as code binds anything, so a
    /// service that adds its own listeners re-binds the configured URLs with <see cref="ListenConfiguredUrls"/>.
    /// </summary>
    public static void Listen(this KestrelServerOptions kestrel, ListenAddress address, Action<ListenOptions>? configure = null)
    {
        configure ??= static _ => { };
        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port, configure);
        }
        else if (address.ToIPAddress() is { } ip)
        {
            kestrel.Listen(ip, address.Port, configure);
        }
        else
        {
            kestrel.ListenAnyIP(address.Port, configure);
        }
    }

    /// <summary>
    /// Re-binds the plain-HTTP URLs from <c>urls</c> (<c>ASPNETCORE_URLS</c>, what Aspire sets) and
    /// <c>http_ports</c>. Returns how many it bound.
    /// </summary>
    public static int ListenConfiguredUrls(this KestrelServerOptions kestrel, IConfiguration configuration, Action<ListenOptions>? configure = null)
    {
        var bound = 0;
        foreach (var url in (configuration["urls"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"Only http:// URLs can be combined with explicit listeners; '{url}' cannot. Use the service's TLS listener settings instead.");
            }

            if (!ListenAddress.TryParse(url, out var address))
            {
                throw new InvalidOperationException($"'{url}' in ASPNETCORE_URLS is not a valid listen URL.");
            }

            kestrel.Listen(address, configure);
            bound++;
        }

        foreach (var port in (configuration["http_ports"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            kestrel.Listen(new ListenAddress(null, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)), configure);
            bound++;
        }

        return bound;
    }
}
