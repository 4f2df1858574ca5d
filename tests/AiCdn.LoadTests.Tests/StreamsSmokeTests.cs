using AiCdn.LoadTool.Streams;
using AiCdn.Testing;

namespace AiCdn.LoadTests.Tests;

/// <summary>
/// The CI smoke scenario: 500 slowly paced streams held at once through the real chain (mock,
/// auth-quota, core, edge on real sockets), every chunk of every stream checked. Correctness, not speed:
/// nothing here depends on how fast the machine is, only on nothing being lost.
/// </summary>
public sealed class StreamsSmokeTests
{
    [Fact]
    public async Task StreamsScenario_500StreamsThroughChain_NoChunkLostAndNoErrors()
    {
        // Every stream comes from 127.0.0.1: lift the edge's per-client-IP limits, which exist to stop
        // one client taking 500 streams, exactly what a load test from one machine does.
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Edge =
            {
                ["Edge:Limits:PerIpRequestsPerSecond"] = "100000",
                ["Edge:Limits:PerIpConcurrentRequests"] = "100000",
            },
        });
        var options = new StreamsOptions
        {
            Targets = [chain.Edge.Address],
            ApiKey = Chain.ApiKey,
            Streams = 500,
            OpenRate = 250,
            Hold = TimeSpan.FromSeconds(6),
            TokenIntervalMs = 500,
            Warmup = TimeSpan.FromSeconds(2),
            WarmupStreams = 20,
            Grace = TimeSpan.FromSeconds(30),
            Label = "smoke",
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var result = await new StreamsScenario(options, TimeProvider.System).RunAsync(timeout.Token);

        Assert.Empty(result.Errors);
        Assert.Equal(0, result.Counter("chunks_lost"));
        Assert.Equal(500, result.Counter("streams_complete"));
        Assert.Equal(500L * (options.TokensPerStream + 3), result.Counter("events_received"));
        Assert.True(result.Counter("streams_peak_open") > 1, "the streams were never open at the same time");
    }
}
