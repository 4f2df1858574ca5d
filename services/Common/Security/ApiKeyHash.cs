using System.Security.Cryptography;
using System.Text;

namespace AiCdn.Common.Security;

/// <summary>
/// API keys are stored and compared only as SHA-256 digests (lower-case hex). Keys are long random
/// strings, so a fast unsalted digest is the standard choice (as GitHub and Stripe tokens do): it
/// cannot be brute-forced, and lookups by digest do not reveal which prefixes exist.
/// </summary>
public static class ApiKeyHash
{
    public const string KeyPrefix = "sk-aicdn-";

    public static string Compute(ReadOnlySpan<char> apiKey)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var byteCount = Encoding.UTF8.GetByteCount(apiKey);
        var buffer = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(apiKey, buffer);
        SHA256.HashData(buffer, digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>Extracts the key from an <c>Authorization: Bearer ...</c> header value.</summary>
    public static bool TryGetBearer(string? authorization, out ReadOnlySpan<char> key)
    {
        key = default;
        if (string.IsNullOrEmpty(authorization))
        {
            return false;
        }

        var value = authorization.AsSpan().Trim();
        if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        key = value[7..].Trim();
        return !key.IsEmpty;
    }

    /// <summary>A random key: <c>sk-aicdn-</c> followed by 43 base64url characters (256 bits).</summary>
    public static string Generate()
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        return KeyPrefix + System.Buffers.Text.Base64Url.EncodeToString(random);
    }
}
