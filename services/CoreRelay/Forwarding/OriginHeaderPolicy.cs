using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>
/// Which request headers reach the origin: an allow-list, not the client's choice. The core's own
/// Authorization (the origin key), the body's Content-Type and Content-Length, Accept, and on a
/// WebSocket upgrade its Sec-WebSocket-* handshake always go; beyond those only what
/// <see cref="CoreRelayOptions.ForwardRequestHeaders"/> names (a trailing <c>*</c> matches a prefix).
/// Without it a client could pick which of the operator's OpenAI organisations or projects is
/// billed (<c>OpenAI-Organization</c>, <c>OpenAI-Project</c>), or steer a mock's fault injection
/// on a production core. Hop-by-hop headers never pass (YARP drops them too).
/// The response side drops what describes the operator's account rather than the client's.
/// </summary>
public sealed class OriginHeaderPolicy
{
    private static readonly string[] s_always = ["authorization", "content-type", "content-length", "accept"];
    private static readonly string[] s_upgrade = ["sec-websocket-protocol", "sec-websocket-extensions", "sec-websocket-key", "sec-websocket-version"];

    /// <summary>Origin response headers that describe the core's origin account, not the client's call.</summary>
    public static readonly string[] AccountResponseHeaders = ["openai-organization", "openai-project", "set-cookie"];

    private readonly IOptionsMonitor<CoreRelayOptions> _options;
    private volatile Allowed _allowed;

    public OriginHeaderPolicy(IOptionsMonitor<CoreRelayOptions> options)
    {
        _options = options;
        _allowed = Parse(options.CurrentValue.ForwardRequestHeaders);
        options.OnChange(o => _allowed = Parse(o.ForwardRequestHeaders));
    }

    public bool Allows(string name, bool upgrade)
    {
        foreach (var always in s_always)
        {
            if (string.Equals(name, always, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        if (upgrade)
        {
            foreach (var handshake in s_upgrade)
            {
                if (string.Equals(name, handshake, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return _allowed.Matches(name);
    }

    /// <summary>Parses a comma-separated list of names and <c>prefix*</c> patterns; false with the offending entry when one is not a header name.</summary>
    public static bool TryParse(string? value, out string? invalid)
    {
        invalid = null;
        foreach (var entry in Split(value))
        {
            var name = entry.EndsWith('*') ? entry[..^1] : entry;
            if (name.Length == 0 || !name.All(IsTokenChar))
            {
                invalid = entry;
                return false;
            }
        }

        return true;
    }

    private static Allowed Parse(string? value)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var prefixes = new List<string>();
        foreach (var entry in Split(value))
        {
            if (entry.EndsWith('*'))
            {
                prefixes.Add(entry[..^1]);
            }
            else
            {
                names.Add(entry);
            }
        }

        return new Allowed(names, [.. prefixes]);
    }

    private static IEnumerable<string> Split(string? value) =>
        (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>RFC 9110 token characters.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private sealed record Allowed(HashSet<string> Names, string[] Prefixes)
    {
        public bool Matches(string name)
        {
            if (Names.Contains(name))
            {
                return true;
            }

            foreach (var prefix in Prefixes)
            {
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
