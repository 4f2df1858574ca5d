namespace AiCdn.AuthQuota.Keys.File;

/// <summary>The keys file as YAML maps it (see docs/auth-quota.md for an example).</summary>
public sealed class KeysFileDocument
{
    /// <summary>Tenant name to its limits (requests_per_minute, tokens_per_minute, tokens_per_day, max_concurrent_streams).</summary>
    public Dictionary<string, Dictionary<string, string?>?>? Tenants { get; set; }

    public List<KeysFileKey>? Keys { get; set; }
}
