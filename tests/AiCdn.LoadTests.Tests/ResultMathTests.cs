using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Measurement;
using AiCdn.LoadTool.Results;

namespace AiCdn.LoadTests.Tests;

public sealed class ResultMathTests
{
    [Fact]
    public void Merge_TwoShards_CountersAddAndHistogramsMergeExactly()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (var i = 1; i <= 90; i++)
        {
            a.Record(TimeSpan.FromMilliseconds(1));
        }

        for (var i = 1; i <= 10; i++)
        {
            b.Record(TimeSpan.FromMilliseconds(100));
        }

        var merged = ResultMath.Merge([Shard(a, requests: 90), Shard(b, requests: 10)]);

        Assert.Equal(100, merged.Counter("requests_ok"));
        Assert.Equal(100, merged.Latencies["latency"].Count);
        Assert.Equal(1, merged.Latencies["latency"].P50Ms, 1);
        Assert.Equal(100, merged.Latencies["latency"].P99Ms, 0);
        Assert.Equal(100 / 10.0, merged.Figures["achieved_rate_per_s"], 3);
    }

    [Fact]
    public void Derive_StreamsHeld_MemoryPerStreamFromIdleAndHeld()
    {
        var result = new ScenarioResult
        {
            Scenario = "streams",
            Counters = new() { ["streams_held"] = 1024 },
            Processes = [new ProcessGroupResult { Group = "edge", IdleRssMiB = 100, HeldRssMiB = 150 }],
        };

        ResultMath.Derive(result);

        Assert.Equal(50.0, result.Processes[0].RssPerStreamKiB, 3);
    }

    [Theory]
    [InlineData("0/3", 0, 3)]
    [InlineData("2/3", 2, 3)]
    [InlineData(null, 0, 1)]
    public void TryParse_ValidShard_Parsed(string? text, int index, int count)
    {
        Assert.True(AiCdn.LoadTool.Http.Shard.TryParse(text, out var shard));
        Assert.Equal(new Shard(index, count), shard);
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("1/0")]
    [InlineData("x")]
    public void TryParse_InvalidShard_Rejected(string text) =>
        Assert.False(AiCdn.LoadTool.Http.Shard.TryParse(text, out _));

    [Fact]
    public void ShareOf_ItemsOverShards_AddUpToTotal()
    {
        var shares = Enumerable.Range(0, 3).Sum(i => new Shard(i, 3).ShareOf(50_000));

        Assert.Equal(50_000, shares);
    }

    [Fact]
    public void Parse_LoopbackRange_AllAddressesAndSlicesDisjoint()
    {
        var addresses = SourceAddresses.Parse("127.0.0.2-127.0.0.9");

        var slices = Enumerable.Range(0, 2).Select(i => SourceAddresses.Slice(addresses, new Shard(i, 2))).ToList();

        Assert.Equal(8, addresses.Count);
        Assert.Empty(slices[0].Intersect(slices[1]));
        Assert.Equal(8, slices.Sum(s => s.Count));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("192.168.1.1-192.168.1.5")]
    [InlineData("::1")]
    public void Parse_NotIPv4Loopback_Rejected(string spec) =>
        Assert.Throws<FormatException>(() => SourceAddresses.Parse(spec));

    private static ScenarioResult Shard(LatencyHistogram histogram, long requests) => new()
    {
        Scenario = "rate",
        MeasuredSeconds = 10,
        Counters = new() { ["requests_ok"] = requests },
        Latencies = new() { ["latency"] = LatencySummary.From(histogram) },
    };
}
