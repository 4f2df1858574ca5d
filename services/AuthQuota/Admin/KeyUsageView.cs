using System.Text.Json.Serialization;

namespace AiCdn.AuthQuota.Admin;

/// <summary>A key's current usage, and its tenant's (shared by all the tenant's keys).</summary>
public sealed record KeyUsageView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("key")] ScopeUsageView Key,
    [property: JsonPropertyName("tenant_total")] ScopeUsageView TenantTotal)
{
    [JsonPropertyName("object")]
    public string Object => "api_key.usage";
}
