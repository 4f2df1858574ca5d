namespace AiCdn.Quota;

/// <summary>Reads a key's and its tenant's counters without changing them.</summary>
public sealed record UsageQuery(string Tenant, string KeyId, KeyLimits KeyLimits, KeyLimits TenantLimits, DateTimeOffset Now);
