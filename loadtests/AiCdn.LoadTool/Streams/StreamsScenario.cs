using AiCdn.LoadTool.Chat;
using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Measurement;
using AiCdn.LoadTool.Results;

namespace AiCdn.LoadTool.Streams;

/// <summary>
/// Opens N slowly paced SSE chat streams at a fixed rate, holds them all at once for a while, and
/// checks every chunk of every stream. Timeline from the common start: warm-up, idle memory
/// baseline, ramp (stream k opens at k / rate), hold (every stream open; memory read half-way), drain.
/// </summary>
public sealed class StreamsScenario(StreamsOptions options, TimeProvider time)
{
    public LiveCounters Live { get; } = new();

    public async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        if (options.Problems().ToList() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        var sources = SourceAddresses.Slice(options.Sources, options.Shard);
        using var client = new LoadClient(sources, options.Http2);
        var workload = new ChatWorkload
        {
            ApiKey = options.ApiKey,
            Model = options.Model,
            Tokens = options.TokensPerStream,
            TimeToFirstTokenMs = options.TimeToFirstTokenMs,
            TokenIntervalMs = options.TokenIntervalMs,
            Prompts = options.Prompts,
        };
        var warmup = workload with { Tokens = 8, TimeToFirstTokenMs = 0, TokenIntervalMs = 0 };
        var monitor = new ProcessMonitor(options.Watch, time);
        var startedAt = time.GetUtcNow();
        var start = options.StartAt is { } at ? time.GetTimestamp() + ToTicks(at - startedAt) : time.GetTimestamp();

        Live.Phase = "reference texts";
        var expected = await ExpectedTexts.FetchAsync(client, options.Targets[0], workload, cancellationToken);
        var warmupExpected = await ExpectedTexts.FetchAsync(client, options.Targets[0], warmup, cancellationToken);

        Live.Phase = "waiting for start";
        await DelayUntilAsync(start, cancellationToken);

        // Every shard starts its ramp at the same instant (start + warm-up), whatever its warm-up took.
        var rampStart = start + ToTicks(options.Warmup);
        Live.Phase = "warm-up";
        await WarmUpAsync(client, warmup, warmupExpected, cancellationToken);
        await DelayUntilAsync(rampStart - ToTicks(TimeSpan.FromMilliseconds(500)), cancellationToken);
        monitor.Take("idle");
        await DelayUntilAsync(rampStart, cancellationToken);

        var ttft = new LatencyHistogram();
        var gaps = new LatencyHistogram();
        var openLatency = new LatencyHistogram();
        var errors = new Dictionary<string, long>();
        long lost = 0, events = 0;

        var holdStart = rampStart + ToTicks(options.Ramp);
        var heldAt = holdStart + ToTicks(options.Hold / 2);
        var holdEnd = holdStart + ToTicks(options.Hold);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Ramp + workload.GenerationTime + options.Grace);

        var sampler = SampleAsync(monitor, holdStart, heldAt, holdEnd, deadline.Token);

        Live.Phase = "ramp";
        var tasks = new List<Task>((int)options.Shard.ShareOf(options.Streams));
        for (var k = 0; k < options.Streams; k++)
        {
            if (!options.Shard.Owns(k))
            {
                continue;
            }

            var scheduled = rampStart + (long)(k / options.OpenRate * time.TimestampFrequency);
            await DelayUntilAsync(scheduled, deadline.Token);
            var target = options.Targets[k % options.Targets.Count];
            var prompt = k % workload.Prompts;
            tasks.Add(RunOneAsync(k, target, prompt, scheduled));
        }

        Live.Phase = "hold";
        await Task.WhenAll(tasks);
        Live.Phase = "done";
        var held = await sampler;
        monitor.Take("end");

        var result = new ScenarioResult
        {
            Scenario = "streams",
            Label = options.Label,
            StartedAt = startedAt,
            Shards = options.Shard.Count,
            Targets = options.Targets.Select(t => t.ToString()).ToList(),
            MeasuredSeconds = time.GetElapsedTime(rampStart).TotalSeconds,
            Settings = new()
            {
                ["streams"] = options.Streams.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["open_rate_per_s"] = options.OpenRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["hold_s"] = options.Hold.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["workload"] = ChatWorkload.Describe(workload),
                ["http"] = options.Http2 ? "HTTP/2 (prior knowledge)" : "HTTP/1.1, one connection per stream",
                ["source_addresses"] = sources.Count == 0 ? "kernel's choice" : $"{sources.Count} ({sources[0]}...)",
                ["shard"] = options.Shard.ToString(),
            },
            Counters = new()
            {
                ["streams_requested"] = options.Shard.ShareOf(options.Streams),
                ["streams_opened"] = Live.Started,
                ["streams_held"] = held,
                ["streams_peak_open"] = Live.PeakOpen,
                ["streams_complete"] = Live.Succeeded,
                ["streams_failed"] = Live.Failed,
                ["events_received"] = events,
                ["chunks_lost"] = lost,
                ["expected_events_per_stream"] = workload.Tokens + 3,
            },
            Errors = new(errors),
            Latencies = new()
            {
                ["time_to_first_token"] = LatencySummary.From(ttft),
                ["chunk_gap"] = LatencySummary.From(gaps),
                ["stream_open"] = LatencySummary.From(openLatency),
            },
        };

        if (monitor.Has("held"))
        {
            result.Processes = monitor.Groups("idle", "held", "idle", "end", held);
            var steady = monitor.Groups("idle", "held", "hold_start", "hold_end", held);
            foreach (var group in result.Processes)
            {
                group.SteadyCpuPercentOfOneCore = steady.First(s => s.Group == group.Group).CpuPercentOfOneCore;
            }

            result.Tool = monitor.Tool("idle", "end");
            var steadyTool = monitor.Tool("hold_start", "hold_end");
            result.Tool.SteadyCpuPercentOfOneCore = steadyTool.CpuPercentOfOneCore;
            result.Tool.SteadyMachineCpuBusyPercent = steadyTool.MachineCpuBusyPercent;
        }
        else
        {
            result.Notes.Add("The hold ended before every stream was open: memory per stream was not read.");
            result.Tool = monitor.Tool("idle", "end");
        }

        if (held < result.Counter("streams_requested"))
        {
            result.Notes.Add($"Only {held} of {result.Counter("streams_requested")} streams were open at the half-way point of the hold.");
        }

        return result;

        async Task RunOneAsync(int k, Uri target, int prompt, long scheduled)
        {
            await Task.Yield();
            Live.OnStarted();
            var verifier = new StreamVerifier(expected.For(prompt), workload.Tokens);
            var opened = false;
            var streamEvents = 0;
            var observer = new StreamObserver
            {
                Opened = () =>
                {
                    opened = true;
                    openLatency.Record(time.GetElapsedTime(scheduled));
                    Live.OnOpened();
                },
                FirstToken = ttft.Record,
                ChunkGap = gaps.Record,
                Event = () =>
                {
                    streamEvents++;
                    Live.OnEvent();
                },
            };
            using var request = workload.CreateRequest(target, prompt, stream: true);
            var outcome = await ChatRequester.StreamAsync(client, request, verifier, scheduled, time, observer, deadline.Token);
            if (opened)
            {
                Live.OnClosed();
            }

            Live.OnFinished(outcome.Error is null, outcome.LostChunks);
            lock (errors)
            {
                events += streamEvents;
                lost += outcome.LostChunks;
                if (outcome.Error is { } error)
                {
                    errors[error] = errors.GetValueOrDefault(error) + 1;
                }
            }
        }
    }

    private async Task WarmUpAsync(LoadClient client, ChatWorkload warmup, ExpectedTexts expected, CancellationToken cancellationToken)
    {
        var count = (int)options.Shard.ShareOf(options.WarmupStreams);
        var failures = 0;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var prompt = i % warmup.Prompts;
            using var request = warmup.CreateRequest(options.Targets[i % options.Targets.Count], prompt, stream: true);
            var outcome = await ChatRequester.StreamAsync(client, request, new StreamVerifier(expected.For(prompt), warmup.Tokens), time.GetTimestamp(), time, new StreamObserver(), ct);
            if (outcome.Error is not null)
            {
                Interlocked.Increment(ref failures);
            }
        });

        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} of {count} warm-up streams failed; the chain is not healthy enough to measure.");
        }
    }

    /// <summary>Reads memory half-way through the hold and returns how many streams were open then.</summary>
    private async Task<long> SampleAsync(ProcessMonitor monitor, long holdStart, long heldAt, long holdEnd, CancellationToken cancellationToken)
    {
        try
        {
            await DelayUntilAsync(holdStart, cancellationToken);
            monitor.Take("hold_start");
            await DelayUntilAsync(heldAt, cancellationToken);
            var held = Live.Open;
            monitor.Take("held");
            await DelayUntilAsync(holdEnd, cancellationToken);
            monitor.Take("hold_end");
            return held;
        }
        catch (OperationCanceledException)
        {
            return Live.Open;
        }
    }

    private async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var wait = time.GetElapsedTime(time.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}
