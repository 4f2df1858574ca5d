using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AiCdn.Common.Security;

/// <summary>
/// The shared-secret proof that a request comes from another AiCdn hop (edge → core, core →
/// auth-quota) on plain-HTTP deployments where mutual TLS is not in use.
/// Header value: <c>v1,t=&lt;unix seconds&gt;,s=&lt;base64url HMAC-SHA256(secret, "t\nMETHOD\npath")&gt;</c>.
/// The timestamp bounds replay to <see cref="AllowedSkew"/>; the secret never travels.
/// </summary>
public sealed class ClusterSignature
{
    public const string HeaderName = "x-aicdn-signature";

    /// <summary>How far a signature's time may be from ours before it is refused.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromSeconds(120);

    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public ClusterSignature(string secret, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        if (secret.Length < 16)
        {
            throw new ArgumentException("The cluster secret must be at least 16 characters long.", nameof(secret));
        }

        _key = Encoding.UTF8.GetBytes(secret);
        _time = time;
    }

    public string Create(string method, string path)
    {
        var seconds = _time.GetUtcNow().ToUnixTimeSeconds();
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(seconds, method, path, mac);
        return string.Create(CultureInfo.InvariantCulture, $"v1,t={seconds},s={Base64Url.EncodeToString(mac)}");
    }

    public bool Verify(string? header, string method, string path)
    {
        if (string.IsNullOrEmpty(header) || !header.StartsWith("v1,t=", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = header.AsSpan(5);
        var comma = rest.IndexOf(",s=", StringComparison.Ordinal);
        if (comma <= 0 || !long.TryParse(rest[..comma], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > AllowedSkew.TotalSeconds)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[64];
        if (Base64Url.DecodeFromChars(rest[(comma + 3)..], given, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(seconds, method, path, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given[..written]);
    }

    private void Compute(long seconds, string method, string path, Span<byte> destination)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{seconds}\n{method.ToUpperInvariant()}\n{path}");
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text), destination);
    }
}
