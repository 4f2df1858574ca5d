namespace AiCdn.AuthQuota.Keys;

/// <summary>A stored API key: its digest and what it may do. The plain key is never stored.</summary>
public sealed record ApiKeyRecord(
    string Id,
    string Hash,
    string Tenant,
    string Name,
    bool Enabled,
    DateTimeOffset? ExpiresAt);
