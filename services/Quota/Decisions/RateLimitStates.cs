using AiCdn.Common.Quota;

namespace AiCdn.Quota.Decisions;

/// <summary>
/// Turns the eight readings into what OpenAI's <c>x-ratelimit-*</c> headers carry: for requests and
/// for tokens, the applicable limit with the least room left (key or tenant; per minute or per day).
/// </summary>
public static class RateLimitStates
{
    public static RateLimitState? From(QuotaReadings readings)
    {
        var requests = Tightest(readings, LimitKind.RequestsPerMinute);
        var tokens = Tightest(readings, LimitKind.TokensPerMinute, LimitKind.TokensPerDay);
        if (requests is null && tokens is null)
        {
            return null;
        }

        return new RateLimitState(
            requests?.Limit, requests?.Remaining, requests?.ResetMs,
            tokens?.Limit, tokens?.Remaining, tokens?.ResetMs);
    }

    private static LimitReading? Tightest(QuotaReadings readings, params LimitKind[] kinds)
    {
        LimitReading? tightest = null;
        foreach (var (_, kind, reading) in readings.All())
        {
            if (reading.Limit is null || !kinds.Contains(kind))
            {
                continue;
            }

            if (tightest is not { } best || reading.Remaining < best.Remaining || (reading.Remaining == best.Remaining && reading.Limit < best.Limit))
            {
                tightest = reading;
            }
        }

        return tightest;
    }
}
