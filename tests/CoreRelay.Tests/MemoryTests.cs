using System.Net;
using AiCdn.CoreRelay.Resumable;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AiCdn.CoreRelay.Tests;

/// <summary>Heap readings cover the whole test process, so these run alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(MemoryTests), DisableParallelization = true)]
public sealed class MemoryTestsCollection;

[Collection(nameof(MemoryTests))]
public sealed class MemoryTests(ITestOutputHelper output)
{
    /// <summary>
    /// Relaying 10,000 streams one after another leaves the managed heap where it was: no per-stream
    /// state (accounting, buffers, settlements, timers) outlives its stream. A leak of even one small
    /// object graph per stream (~1 KB) would show as 10 MB here.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TenThousandSequentialStreams_LeaveNoManagedHeapGrowth(bool resumable)
    {
        // Resumable streams are kept for their grace period after they end (and leave a tombstone);
        // a short grace and no tombstones let the test see them all released.
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Resumable:GracePeriod"] = "00:00:01", ["CoreRelay:Resumable:TombstoneLifetime"] = "00:00:00" },
            // One client sending thousands of requests back to back: the edge's per-client rate limit
            // (there to stop exactly that) would refuse most of them.
            Edge = { ["Edge:Limits:PerIpRequestsPerSecond"] = "0" },
        });
        using var client = chain.CreateEdgeClient();
        var registry = chain.Core.Services.GetRequiredService<StreamRegistry>();

        async Task RelayAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 3, resumable: resumable), HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var events = await SseClient.ReadAllAsync(response);
                Assert.Equal("[DONE]", events[^1].Data);
            }

            await Wait.UntilAsync(() => registry.Count == 0, TimeSpan.FromSeconds(30), "every resumable stream released after its grace period");
        }

        // Warm up pools, JIT and connection pools first.
        await RelayAsync(1_000);
        var before = SettledHeap();

        await RelayAsync(10_000);
        var after = SettledHeap();
        Assert.Equal(0, registry.Budget.Used);

        var growth = after - before;
        output.WriteLine($"managed heap before {before / 1024} KiB, after {after / 1024} KiB, growth {growth / 1024} KiB over 10,000 streams");
        Assert.True(growth < 4 * 1024 * 1024, $"the managed heap grew by {growth / 1024} KiB over 10,000 streams");
    }

    private static long SettledHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
