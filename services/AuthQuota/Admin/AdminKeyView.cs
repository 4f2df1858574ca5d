using System.Text.Json.Serialization;
using AiCdn.AuthQuota.Keys;
using AiCdn.Quota;

namespace AiCdn.AuthQuota.Admin;

/// <summary>
/// A key as the admin API shows it: never its digest, and its plain value (<see cref="Key"/>) only
/// in the answer that created it.
/// </summary>
public sealed record AdminKeyView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt,
    [property: JsonPropertyName("models")] IReadOnlyList<string>? Models,
    [property: JsonPropertyName("limits")] KeyLimits Limits,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("created_at")] DateTimeOffset? CreatedAt,
    [property: JsonPropertyName("hint")] string? Hint,
    [property: JsonPropertyName("key"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key = null)
{
    [JsonPropertyName("object")]
    public string Object => "api_key";

    public static AdminKeyView From(ApiKeyRecord key, string? plainKey = null) =>
        new(key.Id, key.Tenant, key.Name, key.Enabled, key.ExpiresAt, key.Models, key.Limits, key.Source, key.CreatedAt, key.Hint, plainKey);
}
