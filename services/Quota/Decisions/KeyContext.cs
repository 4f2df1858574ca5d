using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiCdn.Quota.Decisions;

/// <summary>core-relay → auth-quota: "give me what I need to decide for this key myself".</summary>
public sealed record KeyContextRequest([property: JsonPropertyName("key_hash")] string KeyHash);

/// <summary>
/// Everything a decision for one key needs besides the counters, as auth-quota knows it now: the
/// key's record (no secret: the id, tenant, state and limits), its tenant's limits, the reservation
/// TTL, and which store (prefix and id) the counters live in. core-relay keeps it for its
/// <c>KeyContextTtl</c> (under a second), or up to <c>KeyContextMaxAge</c> while it hears key
/// changes on Redis (a change drops it at once), so a change made through the admin API reaches
/// every core within a second; counters are never cached.
/// </summary>
public sealed record KeyContext(
    [property: JsonPropertyName("key_id")] string KeyId,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt,
    [property: JsonPropertyName("models")] IReadOnlyList<string>? Models,
    [property: JsonPropertyName("limits")] KeyLimits Limits,
    [property: JsonPropertyName("tenant_limits")] KeyLimits TenantLimits,
    [property: JsonPropertyName("reservation_ttl_ms")] long ReservationTtlMs,
    [property: JsonPropertyName("store_prefix")] string StorePrefix,
    [property: JsonPropertyName("store_id")] string StoreId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(KeyContextRequest))]
[JsonSerializable(typeof(KeyContext))]
public sealed partial class QuotaJsonContext : JsonSerializerContext;
