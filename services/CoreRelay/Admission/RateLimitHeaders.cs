using System.Globalization;
using AiCdn.Common.Quota;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Writes OpenAI's <c>x-ratelimit-*</c> headers. OpenAI clients read the reset values as durations
/// such as <c>1s</c> or <c>6m0s</c>.
/// </summary>
public static class RateLimitHeaders
{
    public static void Apply(IHeaderDictionary headers, RateLimitState? state)
    {
        if (state is null)
        {
            return;
        }

        Set(headers, "x-ratelimit-limit-requests", state.LimitRequests);
        Set(headers, "x-ratelimit-remaining-requests", state.RemainingRequests);
        SetDuration(headers, "x-ratelimit-reset-requests", state.ResetRequestsMs);
        Set(headers, "x-ratelimit-limit-tokens", state.LimitTokens);
        Set(headers, "x-ratelimit-remaining-tokens", state.RemainingTokens);
        SetDuration(headers, "x-ratelimit-reset-tokens", state.ResetTokensMs);
    }

    /// <summary>Removes an origin's own rate-limit headers: they describe the core's origin key, not the client's.</summary>
    public static void RemoveOriginHeaders(IHeaderDictionary headers)
    {
        foreach (var name in headers.Keys.Where(k => k.StartsWith("x-ratelimit-", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            headers.Remove(name);
        }
    }

    public static string FormatDuration(long milliseconds)
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

        if (span < TimeSpan.FromHours(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds}s");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes}m{span.Seconds}s");
    }

    private static void Set(IHeaderDictionary headers, string name, long? value)
    {
        if (value is { } v)
        {
            headers[name] = v.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static void SetDuration(IHeaderDictionary headers, string name, long? milliseconds)
    {
        if (milliseconds is { } ms)
        {
            headers[name] = FormatDuration(ms);
        }
    }
}
