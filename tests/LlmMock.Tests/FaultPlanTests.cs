using AiCdn.LlmMock.Faults;
using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.Tests;

/// <summary>The x-mock-fault grammar and the seeded roll against configured rates.</summary>
public sealed class FaultPlanTests
{
    private static readonly FaultOptions s_defaults = new() { StallAfterChunks = 3, StallMs = 2000, RetryAfterSeconds = 1 };

    public static TheoryData<string, FaultPlan> Directives => new()
    {
        { "status=503", new FaultPlan { Status = 503, RetryAfterSeconds = 1 } },
        { "status=429; retry-after=2", new FaultPlan { Status = 429, RetryAfterSeconds = 2 } },
        { "status=500", new FaultPlan { Status = 500 } },
        { "abort-after=5", new FaultPlan { AbortAfterChunks = 5 } },
        { "abort-before-headers", new FaultPlan { AbortBeforeHeaders = true } },
        { "stall-after=3;stall-ms=2000", new FaultPlan { StallAfterChunks = 3, Stall = TimeSpan.FromSeconds(2) } },
        { "stall-after=7", new FaultPlan { StallAfterChunks = 7, Stall = TimeSpan.FromSeconds(2) } },
        { "stall-ms=500", new FaultPlan { StallAfterChunks = 3, Stall = TimeSpan.FromMilliseconds(500) } },
        { "malformed-after=2", new FaultPlan { MalformedAfterChunks = 2 } },
        { "slow-first-byte-ms=1500", new FaultPlan { SlowFirstByte = TimeSpan.FromMilliseconds(1500) } },
        { "SLOW-FIRST-BYTE-MS=10, abort-after=1", new FaultPlan { SlowFirstByte = TimeSpan.FromMilliseconds(10), AbortAfterChunks = 1 } },
        { "none", FaultPlan.None },
        { " ; ", FaultPlan.None },
    };

    [Theory]
    [MemberData(nameof(Directives))]
    public void TryParse_Directive_GivesThePlan(string header, FaultPlan expected)
    {
        Assert.True(FaultPlan.TryParse(header, s_defaults, out var plan, out var problem), problem);
        Assert.Equal(expected, plan);
    }

    [Theory]
    [InlineData("status=200")]
    [InlineData("status=600")]
    [InlineData("status=abc")]
    [InlineData("abort-after=-1")]
    [InlineData("stall-ms=600001")]
    [InlineData("explode")]
    [InlineData("none;abort-after=1")]
    [InlineData("abort-before-headers=maybe")]
    public void TryParse_BadDirective_ExplainsTheGrammar(string header)
    {
        Assert.False(FaultPlan.TryParse(header, s_defaults, out _, out var problem));
        Assert.Contains("x-mock-fault", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status=429;retry-after=4")]
    [InlineData("abort-after=2;stall-after=1;stall-ms=300;malformed-after=0;slow-first-byte-ms=20")]
    [InlineData("abort-before-headers")]
    public void ToString_ParsesBackToTheSamePlan(string header)
    {
        Assert.True(FaultPlan.TryParse(header, s_defaults, out var plan, out _));

        Assert.True(FaultPlan.TryParse(plan.ToString(), s_defaults, out var again, out _));
        Assert.Equal(plan, again);
    }

    [Fact]
    public void Roll_NoRates_NeverConsultsTheRandom()
    {
        var planner = new FaultPlanner(Options.Create(new MockOptions()), new ThrowingRandom());

        Assert.True(planner.Roll().IsNone);
    }

    [Fact]
    public void Roll_SeededRates_HitEachFaultInProportion()
    {
        var options = new MockOptions
        {
            Faults = new FaultOptions { Status429Rate = 0.1, AbortRate = 0.2, SlowFirstByteRate = 0.3, AbortAfterChunks = 6, SlowFirstByteMs = 900 },
        };
        var planner = new FaultPlanner(Options.Create(options), new Random(42));

        var plans = Enumerable.Range(0, 10_000).Select(_ => planner.Roll()).ToList();

        Assert.InRange(plans.Count(p => p.Status == 429), 800, 1200);
        Assert.InRange(plans.Count(p => p.AbortAfterChunks == 6), 1800, 2200);
        Assert.InRange(plans.Count(p => p.SlowFirstByte == TimeSpan.FromMilliseconds(900)), 2700, 3300);
        Assert.InRange(plans.Count(p => p.IsNone), 3700, 4300);
    }

    [Fact]
    public void Roll_SameSeed_SameSequence()
    {
        var options = Options.Create(new MockOptions { Faults = new FaultOptions { Status500Rate = 0.25, StallRate = 0.25, MalformedRate = 0.25 } });

        var first = new FaultPlanner(options, new Random(7));
        var second = new FaultPlanner(options, new Random(7));

        Assert.Equal(
            Enumerable.Range(0, 200).Select(_ => first.Roll()),
            Enumerable.Range(0, 200).Select(_ => second.Roll()));
    }

    private sealed class ThrowingRandom : Random
    {
        public override double NextDouble() => throw new InvalidOperationException("no rate is set; nothing should be rolled");
    }
}
