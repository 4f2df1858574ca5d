using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AiCdn.Common.Security;

/// <summary>
/// The shared-secret proof that a request comes from another AiCdn hop (edge → core, core →
/// auth-quota) on plain-HTTP deployments where mutual TLS is not in use.
/// Header value: <c>v2,t=&lt;unix seconds&gt;,k=&lt;signer&gt;,n=&lt;nonce&gt;,s=&lt;base64url HMAC-SHA256&gt;</c>
/// over the time, the signer and nonce, the method, the path with its query, a digest of the
/// <c>Authorization</c> header and the <c>X-Forwarded-For</c> header. The secret never travels.
/// A signature is accepted once: every signing process (<see cref="Signer"/>) numbers its
/// signatures, and the verifier refuses a number it has seen (<see cref="ReplayWindow"/>) or one
/// older than <see cref="AllowedSkew"/>. It does not cover the body: on a link an attacker can
/// alter rather than only read, use mutual TLS (docs/security.md).
/// </summary>
public sealed class ClusterSignature
{
    public const string HeaderName = "x-aicdn-signature";
    public const string ForwardedForHeader = "X-Forwarded-For";

    /// <summary>How far a signature's time may be from ours before it is refused.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromSeconds(120);

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly ReplayWindow _seen;
    private long _nonce;

    public ClusterSignature(string secret, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        if (secret.Length < 16)
        {
            throw new ArgumentException("The cluster secret must be at least 16 characters long.", nameof(secret));
        }

        _key = Encoding.UTF8.GetBytes(secret);
        _time = time;
        _seen = new ReplayWindow(time, AllowedSkew * 2);
        Span<byte> id = stackalloc byte[8];
        RandomNumberGenerator.Fill(id);
        Signer = Convert.ToHexStringLower(id);
    }

    /// <summary>This process's name in the signatures it makes (random, new at every start).</summary>
    public string Signer { get; }

    /// <summary>Signs a request: <paramref name="pathAndQuery"/> exactly as the receiver sees it (its path, then its query string with the '?').</summary>
    public string Create(string method, string pathAndQuery, string? authorization = null, string? forwardedFor = null)
    {
        var seconds = _time.GetUtcNow().ToUnixTimeSeconds();
        var nonce = Interlocked.Increment(ref _nonce);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(seconds, Signer, nonce, method, pathAndQuery, authorization, forwardedFor, mac);
        return string.Create(CultureInfo.InvariantCulture, $"v2,t={seconds},k={Signer},n={nonce},s={Base64Url.EncodeToString(mac)}");
    }

    /// <summary>
    /// Signs an outgoing request as it is (its method, URI, Authorization and X-Forwarded-For
    /// headers), replacing any signature it carries. For paths that need no percent-encoding: the
    /// receiver checks the decoded path.
    /// </summary>
    public void Sign(HttpRequestMessage request)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var pathAndQuery = uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString;
        var authorization = request.Headers.TryGetValues("Authorization", out var keys) ? string.Join(", ", keys) : null;
        var forwardedFor = request.Headers.TryGetValues(ForwardedForHeader, out var addresses) ? string.Join(", ", addresses) : null;
        request.Headers.Remove(HeaderName);
        request.Headers.TryAddWithoutValidation(HeaderName, Create(request.Method.Method, pathAndQuery, authorization, forwardedFor));
    }

    /// <summary>Whether <paramref name="request"/> carries a valid signature for itself that was not used before.</summary>
    public bool Verify(HttpRequest request) =>
        Verify(
            request.Headers[HeaderName],
            request.Method,
            (request.Path.Value ?? "/") + request.QueryString.Value,
            request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null,
            request.Headers[ForwardedForHeader].Count > 0 ? request.Headers[ForwardedForHeader].ToString() : null);

    public bool Verify(string? header, string method, string pathAndQuery, string? authorization = null, string? forwardedFor = null)
    {
        if (!TryParse(header, out var seconds, out var signer, out var nonce, out var given))
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > AllowedSkew.TotalSeconds)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(seconds, signer, nonce, method, pathAndQuery, authorization, forwardedFor, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given) && _seen.TryAccept(signer, nonce);
    }

    private static bool TryParse(string? header, out long seconds, out string signer, out long nonce, out byte[] mac)
    {
        seconds = 0;
        signer = string.Empty;
        nonce = 0;
        mac = [];
        if (string.IsNullOrEmpty(header) || header.Length > 256 || !header.StartsWith("v2,", StringComparison.Ordinal))
        {
            return false;
        }

        string? t = null, k = null, n = null, s = null;
        foreach (var part in header[3..].Split(','))
        {
            if (part.Length < 3 || part[1] != '=')
            {
                return false;
            }

            switch (part[0])
            {
                case 't': t = part[2..]; break;
                case 'k': k = part[2..]; break;
                case 'n': n = part[2..]; break;
                case 's': s = part[2..]; break;
                default: return false;
            }
        }

        if (t is null || k is not { Length: 16 } || n is null || s is null
            || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out seconds)
            || !long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out nonce)
            || !k.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[64];
        if (Base64Url.DecodeFromChars(s, decoded, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        signer = k;
        mac = decoded[..written].ToArray();
        return true;
    }

    private void Compute(long seconds, string signer, long nonce, string method, string pathAndQuery, string? authorization, string? forwardedFor, Span<byte> destination)
    {
        // The key travels in Authorization: only its digest goes into the signed text.
        Span<byte> authDigest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(authorization ?? string.Empty), authDigest);
        // Client-chosen fields are length-prefixed, so no two requests sign the same text.
        forwardedFor ??= string.Empty;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"v2\n{seconds}\n{signer}\n{nonce}\n{method.ToUpperInvariant()}\n{pathAndQuery.Length}:{pathAndQuery}\n{Convert.ToHexStringLower(authDigest)}\n{forwardedFor.Length}:{forwardedFor}");
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text), destination);
    }
}
