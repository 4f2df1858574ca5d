using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AiCdn.Forwarding.Configuration;

/// <summary>
/// Reads a comma-separated list of next-hop addresses: http(s) URLs (service-discovery names such as
/// <c>http://_h2c.core-relay</c> included) or the original's <c>host</c>, <c>host:port</c> and
/// <c>[v6]:port</c>. Errors name the setting, so validators can report them as they are.
/// </summary>
public static class UpstreamAddressList
{
    public static bool TryParse(string? value, UpstreamAddressRules rules, out IReadOnlyList<Uri> addresses, [NotNullWhen(false)] out string? error)
    {
        var result = new List<Uri>();
        addresses = result;
        foreach (var item in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParseOne(item, rules, out var address, out var problem))
            {
                error = $"{rules.Setting}: {problem}";
                return false;
            }

            result.Add(address);
        }

        if (result.Count == 0)
        {
            error = $"{rules.Setting}: at least one {rules.Noun} is required.";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryParseOne(string item, UpstreamAddressRules rules, [NotNullWhen(true)] out Uri? address, [NotNullWhen(false)] out string? problem)
    {
        var url = item.Contains("://", StringComparison.Ordinal) ? item : FromHost(item, rules);
        if (!Uri.TryCreate(url, UriKind.Absolute, out address) || address.Scheme is not ("http" or "https"))
        {
            problem = $"'{item}' is neither an http(s) URL nor host[:port].";
            return false;
        }

        if (address.Query.Length > 0 || (!rules.AllowPath && address.AbsolutePath != "/"))
        {
            problem = rules.AllowPath
                ? $"'{item}' has a query; give the {rules.Noun}'s URL without one."
                : $"'{item}' has a path; give the {rules.Noun}'s scheme, host and port only.";
            address = null;
            return false;
        }

        problem = null;
        return true;
    }

    private static string FromHost(string item, UpstreamAddressRules rules)
    {
        // host:port or [v6]:port; a bracketed v6 address alone has colons but no port.
        var colon = item.LastIndexOf(':');
        var hasPort = (colon > 0 && !item.EndsWith(']') && item.IndexOf(':') == colon)
            || (item.StartsWith('[') && item.Contains("]:", StringComparison.Ordinal));
        var port = hasPort ? item[(colon + 1)..] : rules.DefaultPort?.ToString(CultureInfo.InvariantCulture);
        var authority = hasPort || port is null ? item : $"{item}:{port}";
        var scheme = rules.HttpsPort is { } https && port == https.ToString(CultureInfo.InvariantCulture) ? "https" : rules.DefaultScheme;
        return $"{scheme}://{authority}";
    }
}
