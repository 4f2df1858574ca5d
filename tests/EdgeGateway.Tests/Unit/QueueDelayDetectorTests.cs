using AiCdn.Common.Overload;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.EdgeGateway.Tests.Unit;

/// <summary>A standing queue sheds, a moment's delay does not, and recovery is at the first sample that caught up.</summary>
public sealed class QueueDelayDetectorTests
{
    private static readonly TimeSpan s_target = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan s_window = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly QueueDelayDetector _detector;

    public QueueDelayDetectorTests()
    {
        _detector = new QueueDelayDetector(new OverloadOptions { QueueDelayTarget = s_target, Window = s_window, SampleInterval = s_interval }, _time);
    }

    [Fact]
    public void DelayAtOrBelowTarget_NeverOverloaded()
    {
        for (var i = 0; i < 100; i++)
        {
            Assert.False(Sample(s_target));
        }

        Assert.False(_detector.Overloaded);
    }

    [Fact]
    public void AboveTargetForLessThanAWindow_NotOverloaded()
    {
        // 150 ms of 30 ms delays, then one sample that caught up: a burst, not a standing queue.
        for (var i = 0; i < 5; i++)
        {
            Sample(TimeSpan.FromMilliseconds(30));
        }

        Assert.False(_detector.Overloaded);
        Sample(TimeSpan.FromMilliseconds(5));
        Sample(TimeSpan.FromMilliseconds(30));
        Assert.False(_detector.Overloaded);
    }

    [Fact]
    public void AboveTargetForAWholeWindow_OverloadedThenRecoversAtFirstSampleBelow()
    {
        var changes = 0;
        var elapsed = TimeSpan.Zero;
        while (!_detector.Overloaded)
        {
            changes += Sample(TimeSpan.FromMilliseconds(30)) ? 1 : 0;
            elapsed += TimeSpan.FromMilliseconds(30) + s_interval;
            Assert.True(elapsed <= s_window + TimeSpan.FromMilliseconds(80), $"not overloaded after {elapsed}");
        }

        // The first sample already waited 30 ms: the queue stood since before it was taken.
        Assert.True(elapsed >= s_window - TimeSpan.FromMilliseconds(30), $"overloaded after only {elapsed}");
        Assert.Equal(1, changes);

        Assert.True(Sample(TimeSpan.FromMilliseconds(20)));
        Assert.False(_detector.Overloaded);
    }

    [Fact]
    public void OneSampleLongerThanTheWindow_OverloadedAtOnce()
    {
        // A sample that waited 300 ms saw a queue standing for 300 ms.
        Assert.True(Sample(TimeSpan.FromMilliseconds(300)));
        Assert.True(_detector.Overloaded);
    }

    [Fact]
    public void SoonAfterAnOverload_OneSampleAboveTargetShedsAgain_MuchLaterItWaitsAWindow()
    {
        Sample(TimeSpan.FromMilliseconds(300));
        Sample(TimeSpan.FromMilliseconds(1));
        Assert.False(_detector.Overloaded);

        // Waiting a window each time would let a fresh queue build every window.
        Assert.True(Sample(TimeSpan.FromMilliseconds(30)));
        Assert.True(Sample(TimeSpan.FromMilliseconds(1)));

        _time.Advance(s_window * 10);
        Sample(TimeSpan.FromMilliseconds(30));
        Assert.False(_detector.Overloaded);
    }

    [Fact]
    public void TargetZero_NeverOverloaded()
    {
        var off = new QueueDelayDetector(new OverloadOptions { QueueDelayTarget = TimeSpan.Zero }, _time);
        Assert.False(off.Observe(TimeSpan.FromSeconds(5)));
        Assert.False(off.Overloaded);
    }

    [Theory]
    [InlineData("-00:00:01", "", "", "QueueDelayTarget")]
    [InlineData("00:00:00.025", "00:00:00", "", "Window")]
    [InlineData("00:00:00.025", "00:00:00.200", "00:00:01", "SampleInterval")]
    public void Problems_NameTheSetting(string target, string window, string interval, string expected)
    {
        var options = new OverloadOptions { QueueDelayTarget = TimeSpan.Parse(target, System.Globalization.CultureInfo.InvariantCulture) };
        if (window.Length > 0)
        {
            options.Window = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (interval.Length > 0)
        {
            options.SampleInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Contains(options.Problems("Edge:Overload"), problem => problem.StartsWith($"Edge:Overload:{expected}", StringComparison.Ordinal));
    }

    /// <summary>One sample: the delay passes, then the detector is told how long it was.</summary>
    private bool Sample(TimeSpan delay)
    {
        _time.Advance(s_interval + delay);
        return _detector.Observe(delay);
    }
}
