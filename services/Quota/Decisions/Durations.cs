using System.Globalization;

namespace AiCdn.Quota.Decisions;

/// <summary>Durations as OpenAI writes them in messages and reset headers: 250ms, 1.5s, 6m0s, 5h2m0s.</summary>
public static class Durations
{
    public static string Format(long milliseconds)
    {
        var span = TimeSpan.FromMilliseconds(Math.Max(0, milliseconds));
        if (span < TimeSpan.FromSeconds(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMilliseconds}ms");
        }

        if (span < TimeSpan.FromMinutes(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Math.Round(span.TotalSeconds, 3)}s");
        }

        return span < TimeSpan.FromHours(1)
            ? string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes}m{span.Seconds}s");
    }
}
