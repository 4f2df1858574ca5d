using System.Globalization;
using AiCdn.Common.Security;
using AiCdn.Quota;
using AiCdn.Quota.Keys;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace AiCdn.AuthQuota.Keys.File;

/// <summary>Reads and validates a keys file, reporting every problem with its place in the file.</summary>
public static class KeysFileParser
{
    private static readonly IDeserializer s_yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    public static KeysFileContent? Parse(string yaml, KeyLimits defaults, List<string> errors)
    {
        KeysFileDocument? document;
        try
        {
            document = s_yaml.Deserialize<KeysFileDocument?>(yaml);
        }
        catch (YamlException ex)
        {
            // YamlDotNet's messages name the line and column; the text of the file (keys) is not quoted.
            errors.Add($"line {ex.Start.Line}, column {ex.Start.Column}: {(ex.InnerException ?? ex).Message}");
            return null;
        }

        var tenants = new Dictionary<string, KeyLimits>(StringComparer.Ordinal);
        foreach (var (name, limits) in document?.Tenants ?? [])
        {
            if (!Identifiers.IsTenant(name))
            {
                errors.Add($"tenants.{name}: a tenant name is {Identifiers.TenantRule}.");
                continue;
            }

            tenants[name] = LimitsInput.FromYaml(limits, KeyLimits.None, $"tenants.{name}", errors);
        }

        var keys = new List<ApiKeyRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var entry in document?.Keys ?? [])
        {
            var path = $"keys[{index++}]";
            if (ToRecord(entry, defaults, path, errors) is { } record)
            {
                if (!seen.Add(record.Hash))
                {
                    errors.Add($"{path}: the same key is listed twice.");
                    continue;
                }

                keys.Add(record);
            }
        }

        return errors.Count == 0 ? new KeysFileContent(tenants, keys) : null;
    }

    private static ApiKeyRecord? ToRecord(KeysFileKey entry, KeyLimits defaults, string path, List<string> errors)
    {
        var before = errors.Count;
        string? hash = null;
        string? hint = null;
        if (!string.IsNullOrWhiteSpace(entry.Key) == !string.IsNullOrWhiteSpace(entry.Sha256))
        {
            errors.Add($"{path}: give exactly one of 'key' (the plain key) or 'sha256' (its SHA-256 in hex).");
        }
        else if (!string.IsNullOrWhiteSpace(entry.Key))
        {
            var key = entry.Key.Trim();
            if (key.Length < 16)
            {
                errors.Add($"{path}.key: a key must be at least 16 characters long.");
            }

            hash = ApiKeyHash.Compute(key);
            hint = ApiKeyRecord.HintOf(key);
        }
        else
        {
            hash = entry.Sha256!.Trim().ToLowerInvariant();
            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
            {
                errors.Add($"{path}.sha256: must be 64 hexadecimal characters (sha256sum of the key, without a newline).");
            }
        }

        if (!Identifiers.IsTenant(entry.Tenant))
        {
            errors.Add($"{path}.tenant: required; a tenant name is {Identifiers.TenantRule}.");
        }

        DateTimeOffset? expiresAt = null;
        if (entry.ExpiresAt is { Length: > 0 } text)
        {
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                expiresAt = parsed;
            }
            else
            {
                errors.Add($"{path}.expires_at: '{text}' is not a date and time (for example 2026-12-31T00:00:00Z).");
            }
        }

        if (entry.Models is { } models && (models.Count == 0 || models.Any(string.IsNullOrWhiteSpace)))
        {
            errors.Add($"{path}.models: list at least one model name (leave 'models' out to allow every model).");
        }

        var limits = LimitsInput.FromYaml(entry.Limits, defaults, $"{path}.limits", errors);
        if (errors.Count > before || hash is null)
        {
            return null;
        }

        return new ApiKeyRecord(
            "key_" + hash[..16],
            hash,
            entry.Tenant!,
            entry.Name?.Trim() ?? string.Empty,
            entry.Enabled ?? true,
            expiresAt,
            entry.Models?.Select(m => m.Trim()).ToArray(),
            limits,
            KeySources.File,
            Hint: hint);
    }
}
