namespace AiCdn.LlmMock.Generation;

/// <summary>The id, creation time and model every object and chunk of one completion repeats.</summary>
public sealed record CompletionIdentity(string Id, long Created, string Model)
{
    /// <summary>OpenAI's <c>system_fingerprint</c>: the backend configuration that produced the text.</summary>
    public const string SystemFingerprint = "fp_aicdn_mock";

    /// <summary>
    /// A random id such as <c>chatcmpl-…</c>; ids are the one thing that differs between identical
    /// requests. They need to be unique, not secret, so the fast shared generator serves.
    /// </summary>
    public static string NewId(string prefix, int randomBytes = 12)
    {
        Span<byte> random = stackalloc byte[randomBytes];
        Random.Shared.NextBytes(random);
        return string.Concat(prefix, Convert.ToHexStringLower(random));
    }
}
