namespace AiCdn.AuthQuota;

/// <summary>Bound from <c>AuthQuota</c>.</summary>
public sealed class AuthQuotaOptions
{
    public const string SectionName = "AuthQuota";

    /// <summary>
    /// Keys seeded at start-up, comma-separated (the original's <c>API_KEYS</c>). Only their SHA-256
    /// digests are kept in memory.
    /// </summary>
    public string? ApiKeys { get; set; }

    /// <summary>The tenant seeded keys belong to.</summary>
    public string DefaultTenant { get; set; } = "default";
}
