using AiCdn.Quota;
using AiCdn.Quota.Decisions;

namespace AiCdn.AuthQuota.Tests;

public sealed class QuotaMathTests
{
    [Fact]
    public void Day_AroundUtcMidnight_ChangesExactlyAtMidnight()
    {
        var midnight = new DateTimeOffset(2031, 3, 15, 0, 0, 0, TimeSpan.Zero);

        var before = QuotaMath.Day(QuotaMath.UnixMs(midnight.AddMilliseconds(-1)));
        var at = QuotaMath.Day(QuotaMath.UnixMs(midnight));

        Assert.Equal(before + 1, at);
        Assert.Equal(1, QuotaMath.MsUntilDayEnd(QuotaMath.UnixMs(midnight.AddMilliseconds(-1))));
        Assert.Equal(QuotaMath.DayMs, QuotaMath.MsUntilDayEnd(QuotaMath.UnixMs(midnight)));
    }

    [Fact]
    public void Day_OtherTimeZoneOffset_CountsInUtc()
    {
        var tokyoMorning = new DateTimeOffset(2031, 3, 15, 8, 0, 0, TimeSpan.FromHours(9));

        Assert.Equal(QuotaMath.Day(QuotaMath.UnixMs(new DateTimeOffset(2031, 3, 14, 23, 0, 0, TimeSpan.Zero))), QuotaMath.Day(QuotaMath.UnixMs(tokyoMorning)));
    }

    [Theory]
    [InlineData(0, 10, 100, 0)]
    [InlineData(95, 10, 100, 3000)]
    [InlineData(100, 1, 100, 600)]
    [InlineData(0, 101, 100, LimitReading.Never)]
    [InlineData(150, 0, 100, 0)]
    public void BucketWait_LevelAndAmount_TimeUntilItFits(double level, long amount, long limit, long expected) =>
        Assert.Equal(expected, QuotaMath.BucketWait(level, amount, limit));

    [Fact]
    public void Drain_HalfAMinute_HalfTheLimit()
    {
        Assert.Equal(50, QuotaMath.Drain(100, 0, 100, 30_000));
        Assert.Equal(0, QuotaMath.Drain(100, 0, 100, 90_000));
        Assert.Equal(100, QuotaMath.Drain(100, 10_000, 100, 5_000));
    }

    [Theory]
    [InlineData(250, "250ms")]
    [InlineData(1500, "1.5s")]
    [InlineData(360_000, "6m0s")]
    [InlineData(18_120_000, "5h2m0s")]
    public void Format_Duration_AsOpenAiWritesIt(long ms, string expected) => Assert.Equal(expected, Durations.Format(ms));
}
