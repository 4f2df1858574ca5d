using System.Globalization;
using System.Text.Json;
using AiCdn.Quota;

namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// Reads a <c>limits</c> object (admin API JSON or keys file YAML). A member left out keeps the value
/// it starts from (the defaults for a new key, the current value for a change); a member set to
/// null (YAML also: <c>unlimited</c>) removes that limit; a number must be a whole number from 1 up.
/// </summary>
public static class LimitsInput
{
    private static readonly Dictionary<string, LimitKind> s_members = new(StringComparer.Ordinal)
    {
        ["requests_per_minute"] = LimitKind.RequestsPerMinute,
        ["tokens_per_minute"] = LimitKind.TokensPerMinute,
        ["tokens_per_day"] = LimitKind.TokensPerDay,
        ["max_concurrent_streams"] = LimitKind.ConcurrentStreams,
    };

    public static string Members => string.Join(", ", s_members.Keys);

    /// <summary>Null when <paramref name="element"/> is valid; else the offending parameter and what is wrong.</summary>
    public static (string Param, string Message)? FromJson(JsonElement element, KeyLimits start, string param, out KeyLimits limits)
    {
        limits = start;
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return (param, $"'{param}' must be an object with any of {Members}.");
        }

        foreach (var member in element.EnumerateObject())
        {
            var name = $"{param}.{member.Name}";
            if (!s_members.TryGetValue(member.Name, out var kind))
            {
                return (name, $"Unknown limit '{member.Name}'; limits are {Members}.");
            }

            if (member.Value.ValueKind == JsonValueKind.Null)
            {
                limits = limits.With(kind, null);
            }
            else if (member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out var value) && value is >= 1 and <= KeyLimits.MaxValue)
            {
                limits = limits.With(kind, value);
            }
            else
            {
                return (name, $"'{name}' must be a whole number from 1 to {KeyLimits.MaxValue}, or null for no limit.");
            }
        }

        return null;
    }

    public static KeyLimits FromYaml(Dictionary<string, string?>? values, KeyLimits start, string path, List<string> errors)
    {
        var limits = start;
        foreach (var (member, text) in values ?? [])
        {
            if (!s_members.TryGetValue(member, out var kind))
            {
                errors.Add($"{path}.{member}: unknown limit; limits are {Members}.");
            }
            else if (text is null || text.Equals("unlimited", StringComparison.OrdinalIgnoreCase))
            {
                limits = limits.With(kind, null);
            }
            else if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= KeyLimits.MaxValue)
            {
                limits = limits.With(kind, value);
            }
            else
            {
                errors.Add($"{path}.{member}: '{text}' is not a whole number from 1 to {KeyLimits.MaxValue} (or 'unlimited').");
            }
        }

        return limits;
    }
}
