namespace AiCdn.Quota;

/// <summary>
/// The arithmetic both stores share (the Lua scripts in <c>Quota/Redis</c> repeat it line for line,
/// in the same double-precision operations, so both stores give the same answers).
/// A per-minute limit is a bucket holding at most one minute's allowance that drains continuously at
/// limit/60 s: it admits a cost when level + cost ≤ limit, and it is "reset" when it has drained empty.
/// Tokens per day count per UTC day.
/// </summary>
public static class QuotaMath
{
    public const long MinuteMs = 60_000;
    public const long DayMs = 86_400_000;

    /// <summary>How long stores keep counters beyond the moment they stop mattering.</summary>
    public const long RetentionMs = 60_000;

    public static long UnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    /// <summary>Days since 1970-01-01 UTC: the tokens-per-day window.</summary>
    public static long Day(long nowMs) => Math.DivRem(nowMs, DayMs, out var rest) - (rest < 0 ? 1 : 0);

    public static long MsUntilDayEnd(long nowMs) => ((Day(nowMs) + 1) * DayMs) - nowMs;

    /// <summary>A bucket's level at <paramref name="nowMs"/> after draining since <paramref name="updatedMs"/>.</summary>
    public static double Drain(double level, long updatedMs, long ratePerMinute, long nowMs)
    {
        if (nowMs > updatedMs)
        {
            level -= (double)(nowMs - updatedMs) * ratePerMinute / MinuteMs;
            if (level < 0)
            {
                level = 0;
            }
        }

        return level;
    }

    /// <summary>0 when <paramref name="amount"/> fits now, else ms until it does, or <see cref="LimitReading.Never"/>.</summary>
    public static long BucketWait(double level, long amount, long limit)
    {
        if (amount <= 0)
        {
            return 0;
        }

        if (amount > limit)
        {
            return LimitReading.Never;
        }

        return level + amount > limit ? (long)Math.Ceiling((level + amount - limit) * MinuteMs / limit) : 0;
    }

    /// <summary>Time until a bucket at <paramref name="level"/> has drained empty.</summary>
    public static long BucketReset(double level, long limit) => (long)Math.Ceiling(level * MinuteMs / limit);

    public static long DayWait(long used, long amount, long? limit, long msUntilDayEnd)
    {
        if (limit is not { } max || amount <= 0)
        {
            return 0;
        }

        if (amount > max)
        {
            return LimitReading.Never;
        }

        return used + amount > max ? msUntilDayEnd : 0;
    }
}
