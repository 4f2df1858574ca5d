using AiCdn.LoadTool.Chaos;
using AiCdn.Testing;
using Xunit.Abstractions;

namespace AiCdn.LoadTests.Tests;

/// <summary>
/// The fault suite, short: every fault of the full run (docs/load-testing.md, BENCHMARKS.md) against
/// a chain of real processes built from this tree, with a few hundred streams instead of thousands.
/// The columns that must be zero are zero, and usage is settled exactly wherever it can be.
/// </summary>
public sealed class ChaosSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryFault_NoSilentTruncationNoDuplicateNoRefusalWithAHealthyPath()
    {
        var run = Path.Combine(Path.GetTempPath(), "aicdn-chaos-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new ChaosOptions
        {
            Bin = string.Empty,
            LocateService = BuiltService,
            RunDirectory = run,
            Streams = 200,
            TokensPerStream = 20,
            TokenIntervalMs = 200,
            OriginStall = TimeSpan.FromSeconds(8),
            BasePort = 21500,
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));

        var results = await new ChaosScenario(options).RunAsync(output.WriteLine, timeout.Token);
        output.WriteLine(ChaosReport.Markdown(results, options));

        Assert.Equal(ChaosFaults.All, results.Select(r => r.Fault));
        Assert.All(results, r =>
        {
            Assert.Equal(0, r.SilentTruncations);
            Assert.Equal(0, r.Duplicated);
            Assert.Equal(0, r.Altered);
            Assert.Equal(0, r.RefusedWithHealthyPath);
            Assert.Equal(r.Streams, r.Complete + r.ExplicitError + r.Cut);
            if (r.Fault != ChaosFaults.CoreKill)
            {
                Assert.True(r.KeysUndercharged is null or 0, $"{r.Fault}: a key was charged less than the origin produced ({r.UsageNote})");
            }
        });

        // Where nothing holds a settlement hostage (an emptied Redis takes its counters), every token is charged exactly.
        Assert.All(results.Where(r => r.Fault is not (ChaosFaults.CoreKill or ChaosFaults.RedisKill)),
            r => Assert.True(r.KeysSettledExactly == r.Keys, $"{r.Fault}: {r.UsageNote}"));

        // A killed core settles nothing; its streams are settled for what their clients received, as
        // the edge reports it. What differs from what the origin produced is what was on its way
        // through the dying core (and what the origin sent before it noticed): 0.3 to 2.2 tokens per
        // cut stream in the runs of BENCHMARKS.md. Left at their estimates, as before the edge
        // reported them, they were 16.5 tokens over per cut stream at this size.
        var killed = results.Single(r => r.Fault == ChaosFaults.CoreKill);
        Assert.InRange(killed.TokensSettledMinusProduced!.Value, -5L * killed.ExplicitError, 3L * killed.ExplicitError);
    }

    /// <summary>The service's build next to this test's (same configuration).</summary>
    private static string BuiltService(string service)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        return Path.Combine(Repository.Root, "services", service, "bin", configuration, framework, $"{service}.dll");
    }
}
