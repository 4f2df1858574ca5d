namespace AiCdn.Quota;

/// <summary>Whose limit: the API key's own, or its tenant's (shared by all the tenant's keys).</summary>
public enum LimitScope
{
    Key = 0,
    Tenant = 1,
}
