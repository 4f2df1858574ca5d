using System.Globalization;

namespace AiCdn.Common.Hosting;

/// <summary>
/// Durations as operators write them in environment files (<c>30</c>, <c>30s</c>, <c>500ms</c>, <c>2m</c>;
/// a bare number is seconds), turned into the <see cref="TimeSpan"/> text configuration binding
/// understands. Every service reads its duration variables through this one syntax.
/// </summary>
public static class DurationText
{
    public static string ToTimeSpanText(string value)
    {
        var text = value.Trim();
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && text.Contains(':', StringComparison.Ordinal))
        {
            return span.ToString("c", CultureInfo.InvariantCulture);
        }

        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60.0)
            : text.EndsWith('h') || text.EndsWith('H') ? (text[..^1], 3600.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            // Left as given: options validation reports it with the variable's name.
            return text;
        }

        return TimeSpan.FromSeconds(amount * unit).ToString("c", CultureInfo.InvariantCulture);
    }
}
