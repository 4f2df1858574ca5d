using System.Diagnostics;
using System.Net;
using AiCdn.Common.Security;
using AiCdn.CoreRelay.Resumable;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AiCdn.ResumableStreams.Tests;

[CollectionDefinition(nameof(ReplayCapTests), DisableParallelization = true)]
public sealed class ReplayCapCollection;

/// <summary>
/// 10,000 resumable streams in flight at once on one core: their replay buffers together stay
/// within the configured cap (plus, at most, the events not yet handed to their readers), where
/// keeping every event would take many times that.
/// </summary>
[Collection(nameof(ReplayCapTests))]
public sealed class ReplayCapTests(ITestOutputHelper output)
{
    private const int StreamCount = 10_000;
    private const int Tokens = 10;
    private const long Cap = 2 * 1024 * 1024;

    [Fact]
    public async Task TenThousandResumableStreamsInFlight_StayWithinTheReplayCap()
    {
        // Edge-less: the test signs its requests as an edge would and speaks h2c to the core, and the
        // core speaks h2c to the mock, so 10,000 streams need a few hundred sockets, not 40,000.
        var h2cPort = FreePort.Next();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Mock = { ["Kestrel:EndpointDefaults:Protocols"] = "Http2" },
            Core =
            {
                ["CoreRelay:ListenH2c"] = $"127.0.0.1:{h2cPort}",
                ["CoreRelay:OriginProtocol"] = "h2c",
                ["CoreRelay:Resumable:MaxBytesTotal"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CoreRelay:Resumable:GracePeriod"] = "00:00:02",
                ["CoreRelay:Resumable:TombstoneLifetime"] = "00:00:00",
            },
        });
        var registry = chain.Core.Services.GetRequiredService<StreamRegistry>();
        var signature = new ClusterSignature(Chain.ClusterSecret, TimeProvider.System);
        using var client = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, MaxResponseDrainSize = 0 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{h2cPort}"),
            Timeout = TimeSpan.FromMinutes(3),
        };

        long maxBuffered = 0;
        var maxStreams = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxBuffered = Math.Max(maxBuffered, registry.Budget.Used);
                maxStreams = Math.Max(maxStreams, registry.Count);
                await Task.Delay(20);
            }
        });

        var clock = Stopwatch.StartNew();
        var opening = new SemaphoreSlim(200);
        var failures = 0;
        var opened = 0;
        var allOpenAfter = TimeSpan.Zero;
        var problems = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var largestEvent = 0;
        var streams = Enumerable.Range(0, StreamCount).Select(async _ =>
        {
            using var request = Streams.PacedChat(Tokens, intervalMs: 8000);
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            signature.Sign(request);
            HttpResponseMessage response;
            await opening.WaitAsync();
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            }
            finally
            {
                opening.Release();
            }

            if (Interlocked.Increment(ref opened) == StreamCount)
            {
                allOpenAfter = clock.Elapsed;
            }

            using (response)
            {
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                    problems.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    return;
                }

                var events = await SseClient.ReadAllAsync(response);
                var streamId = response.Headers.GetValues(Streams.StreamIdHeader).Single();
                var ids = events.Select(e => e.SequenceId).ToList();
                if (response.StatusCode != HttpStatusCode.OK || events[^1].Data != "[DONE]" || events.Count != Tokens + 3
                    || !ids.SequenceEqual(Enumerable.Range(1, events.Count).Select(i => $"{streamId}.{i}")))
                {
                    Interlocked.Increment(ref failures);
                }

                var largest = events.Max(e => e.Data.Length + e.Id!.Length + 16);
                AtomicMax.Update(ref largestEvent, largest);
            }
        }).ToList();
        await Task.WhenAll(streams);
        sampling.Cancel();
        await sampler;

        output.WriteLine($"{StreamCount} streams opened in {allOpenAfter.TotalSeconds:0.0} s, done in {clock.Elapsed.TotalSeconds:0.0} s; at most {maxStreams} held at once; replay buffers peaked at {maxBuffered / 1024} KiB (cap {Cap / 1024} KiB); largest event {largestEvent} B");
        Assert.True(failures == 0, $"{failures} streams failed, e.g.: {string.Join(" | ", problems.Take(3))}");
        Assert.True(maxStreams >= StreamCount * 3 / 4, $"only {maxStreams} streams were in flight at once; the test proves little");

        // Retained events never exceed the cap; events the origin produced but a reader has not
        // taken yet (at most one or two per stream at this pace) ride above it.
        var undeliveredAllowance = (long)StreamCount * largestEvent * 2;
        Assert.True(maxBuffered <= Cap + undeliveredAllowance, $"replay buffers peaked at {maxBuffered} bytes, over the cap {Cap} plus {undeliveredAllowance} undelivered");
        var keptEverything = (long)StreamCount * (Tokens + 3) * largestEvent;
        Assert.True(maxBuffered * 4 < keptEverything, $"replay buffers peaked at {maxBuffered} bytes: hardly less than keeping every event ({keptEverything})");

        await Wait.UntilAsync(() => registry.Count == 0, TimeSpan.FromSeconds(30), "every stream released after its grace period");
        Assert.Equal(0, registry.Budget.Used);
    }
}
