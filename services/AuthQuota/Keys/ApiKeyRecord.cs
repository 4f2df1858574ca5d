using System.Text.Json.Serialization;
using AiCdn.Quota;
using AiCdn.Quota.Decisions;

namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// A stored API key: its SHA-256 digest and what it may do. The plain key is never stored.
/// <see cref="Source"/> says who owns it (see <see cref="KeySources"/>); <see cref="Version"/>
/// grows with every admin change, so concurrent changes cannot overwrite each other unseen.
/// </summary>
public sealed record ApiKeyRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt,
    [property: JsonPropertyName("models")] IReadOnlyList<string>? Models,
    [property: JsonPropertyName("limits")] KeyLimits Limits,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("created_at")] DateTimeOffset? CreatedAt = null,
    [property: JsonPropertyName("hint")] string? Hint = null,
    [property: JsonPropertyName("version")] long Version = 0)
{
    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expiry && expiry <= now;

    /// <summary>Whether this key may use <paramref name="model"/> (see <see cref="Decisions.QuotaVerdicts.AllowsModel"/>).</summary>
    public bool AllowsModel(string? model) => QuotaVerdicts.AllowsModel(Models, model);

    /// <summary>What a key may show of itself: its prefix and last four characters (OpenAI shows keys the same way).</summary>
    public static string HintOf(string plainKey) =>
        plainKey.Length > 16 ? string.Concat(plainKey.AsSpan(0, Math.Min(plainKey.Length - 4, 9)), "...", plainKey.AsSpan(plainKey.Length - 4)) : "...";
}
