namespace AiCdn.CoreRelay;

/// <summary>Parses the original's origin forms into absolute base URLs.</summary>
public static class OriginList
{
    public static bool TryParse(string? value, int defaultPort, out IReadOnlyList<Uri> origins, out string? error)
    {
        var result = new List<Uri>();
        origins = result;
        error = null;
        foreach (var item in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParseOne(item, defaultPort, out var uri))
            {
                error = $"'{item}' is neither a URL nor host[:port].";
                return false;
            }

            result.Add(uri);
        }

        if (result.Count == 0)
        {
            error = "at least one origin is required.";
            return false;
        }

        return true;
    }

    private static bool TryParseOne(string item, int defaultPort, out Uri uri)
    {
        if (item.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(item, UriKind.Absolute, out uri!) && (uri.Scheme is "http" or "https") && uri.Query.Length == 0;
        }

        // host, host:port, [v6]:port. Port 443 implies TLS, as it would for a browser.
        var hasPort = item.LastIndexOf(':') is var colon && colon > 0 && !item.EndsWith(']') && item.IndexOf(':') == colon
            || item.StartsWith('[') && item.Contains("]:", StringComparison.Ordinal);
        var authority = hasPort ? item : $"{item}:{defaultPort}";
        var port = authority[(authority.LastIndexOf(':') + 1)..];
        var scheme = port == "443" ? "https" : "http";
        return Uri.TryCreate($"{scheme}://{authority}", UriKind.Absolute, out uri!);
    }
}
