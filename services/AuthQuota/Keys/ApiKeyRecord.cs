using System.Text.Json.Serialization;
using AiCdn.AuthQuota.Quota;

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

    /// <summary>
    /// Null <see cref="Models"/> allows every model. An entry ending in <c>*</c> allows every model
    /// starting with what precedes it (<c>gpt-4o*</c>). A request naming no model (GET /v1/models)
    /// uses none and is allowed.
    /// </summary>
    public bool AllowsModel(string? model)
    {
        if (Models is null || string.IsNullOrEmpty(model))
        {
            return true;
        }

        foreach (var allowed in Models)
        {
            if (allowed.EndsWith('*')
                ? model.StartsWith(allowed.AsSpan(0, allowed.Length - 1), StringComparison.Ordinal)
                : string.Equals(allowed, model, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What a key may show of itself: its prefix and last four characters (OpenAI shows keys the same way).</summary>
    public static string HintOf(string plainKey) =>
        plainKey.Length > 16 ? string.Concat(plainKey.AsSpan(0, Math.Min(plainKey.Length - 4, 9)), "...", plainKey.AsSpan(plainKey.Length - 4)) : "...";
}
