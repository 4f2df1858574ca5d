using System.Text.RegularExpressions;

namespace AiCdn.Quota.Keys;

/// <summary>
/// What tenant names, key ids and reservation ids may contain. They become parts of Redis key names
/// (and Redis Cluster hash tags), so braces and separators are excluded.
/// </summary>
public static partial class Identifiers
{
    public const string TenantRule = "1 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsTenant(string? value) => value is not null && TenantPattern().IsMatch(value);

    public static bool IsReservationId(string? value) => value is not null && ReservationPattern().IsMatch(value);

    public static bool IsKeyId(string? value) => value is not null && KeyIdPattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex TenantPattern();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex ReservationPattern();

    [GeneratedRegex("^key_[a-f0-9]{16}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdPattern();
}
