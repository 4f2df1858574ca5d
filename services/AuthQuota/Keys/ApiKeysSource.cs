using AiCdn.Common.Security;

namespace AiCdn.AuthQuota.Keys;

/// <summary>The keys of <c>API_KEYS</c> (comma-separated, as the original read them), as records of the default tenant.</summary>
public static class ApiKeysSource
{
    public static IReadOnlyList<ApiKeyRecord> Read(AuthQuotaOptions options)
    {
        var defaults = options.DefaultLimits.ToLimits();
        return (options.ApiKeys ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal)
            .Select(key =>
            {
                var hash = ApiKeyHash.Compute(key);

                // The id is derived from the digest, so every replica and every restart agree on it
                // without the key being stored.
                return new ApiKeyRecord("key_" + hash[..16], hash, options.DefaultTenant, "API_KEYS", Enabled: true, ExpiresAt: null,
                    Models: null, defaults, KeySources.ApiKeys, Hint: ApiKeyRecord.HintOf(key));
            })
            .ToList();
    }
}
