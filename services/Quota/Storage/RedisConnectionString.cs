using System.Globalization;
using StackExchange.Redis;

namespace AiCdn.Quota.Storage;

/// <summary>
/// Reads the connection string Aspire gives (<c>host:port[,password=...]</c>, StackExchange.Redis
/// syntax) or a <c>redis://[user:password@]host[:port][/db]</c> / <c>rediss://</c> URL.
/// </summary>
public static class RedisConnectionString
{
    public static bool TryParse(string value, out ConfigurationOptions options, out string? error)
    {
        options = null!;
        error = null;
        try
        {
            options = value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase)
                ? FromUrl(new Uri(value))
                : ConfigurationOptions.Parse(value);
            if (options.EndPoints.Count == 0)
            {
                error = "it names no host.";
                return false;
            }

            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or UriFormatException or FormatException or OverflowException or RedisConnectionException)
        {
            // The message of a parse failure may quote the string, password included: say only what is wrong.
            error = "it is neither 'host:port[,option=value...]' nor a redis:// URL.";
            return false;
        }
    }

    private static ConfigurationOptions FromUrl(Uri url)
    {
        var options = new ConfigurationOptions { Ssl = url.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
        options.EndPoints.Add(url.Host, url.IsDefaultPort || url.Port < 0 ? 6379 : url.Port);
        if (url.UserInfo is { Length: > 0 } userInfo)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                options.Password = Uri.UnescapeDataString(userInfo);
            }
            else
            {
                var user = Uri.UnescapeDataString(userInfo[..colon]);
                options.User = user.Length > 0 ? user : null;
                options.Password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            }
        }

        var path = url.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            options.DefaultDatabase = int.Parse(path, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        return options;
    }
}
