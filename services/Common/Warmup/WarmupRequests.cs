using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace AiCdn.Common.Warmup;

/// <summary>
/// What a service sends itself to warm up: which of its listeners (<see cref="Targets"/>) and
/// which requests (<see cref="Create"/>). The default request is a chat completion with a key that
/// cannot exist, the shape of nearly every request a relay serves; the service stops it at the
/// step before anything would leave the process or be charged, and answers it as a refused key.
/// </summary>
public abstract class WarmupRequests
{
    /// <summary>A key no key store can hold: it never leaves the process (the service stops the request first).</summary>
    private readonly string _key = "sk-aicdn-warmup-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The listeners to warm, from the addresses Kestrel bound (<c>http://0.0.0.0:80</c>, <c>http://[::]:8080</c>, ...).</summary>
    public abstract IReadOnlyList<WarmupTarget> Targets(IReadOnlyCollection<string> serverAddresses);

    /// <summary>The <paramref name="number"/>th warm-up request to <paramref name="target"/>: streamed and whole in turn.</summary>
    public virtual HttpRequestMessage Create(WarmupTarget target, int number)
    {
        var stream = number % 2 == 0 ? "true" : "false";
        var body = string.Create(CultureInfo.InvariantCulture,
            $$"""{"model":"warmup","stream":{{stream}},"max_tokens":16,"messages":[{"role":"system","content":"You are a relay warming up."},{"role":"user","content":"Warm-up request {{number}}: say hello in a few words."}]}""");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseAddress, "/v1/chat/completions"))
        {
            Version = target.Version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        return request;
    }

    /// <summary>
    /// A bound address as a loopback URL: a wildcard host becomes the loopback address of its
    /// family. Null for addresses warm-up does not use (TLS listeners, Unix sockets, named pipes).
    /// </summary>
    public static Uri? Loopback(string address)
    {
        var normalised = address.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            return null;
        }

        string? host = uri.HostNameType switch
        {
            UriHostNameType.IPv4 when uri.Host == "0.0.0.0" => "127.0.0.1",
            UriHostNameType.IPv6 when uri.Host == "[::]" => "[::1]",
            UriHostNameType.IPv4 or UriHostNameType.IPv6 => uri.Host,
            UriHostNameType.Dns when uri.Host == "localhost" => "127.0.0.1",
            _ => null,
        };
        return host is null ? null : new UriBuilder(uri) { Host = host, Path = "/" }.Uri;
    }
}
