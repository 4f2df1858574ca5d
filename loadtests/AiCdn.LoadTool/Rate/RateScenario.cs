using System.Globalization;
using AiCdn.LoadTool.Chat;
using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Measurement;
using AiCdn.LoadTool.Results;

namespace AiCdn.LoadTool.Rate;

/// <summary>
/// Open-model load: request k is due at start + k / rate, sent then whether or not earlier ones have
/// answered, and every latency is measured from that due time (so a stalled target, or a stalled
/// tool, shows up as latency instead of silently lowering the rate: no coordinated omission).
/// </summary>
public sealed class RateScenario(RateOptions options, TimeProvider time)
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
            Tokens = options.Tokens,
            TimeToFirstTokenMs = options.TimeToFirstTokenMs,
            TokenIntervalMs = options.TokenIntervalMs,
            Prompts = options.Prompts,
        };
        var monitor = new ProcessMonitor(options.Watch, time);
        var startedAt = time.GetUtcNow();

        Live.Phase = "reference texts";
        var expected = await ExpectedTexts.FetchAsync(client, options.Targets[0], workload, cancellationToken);

        var start = options.StartAt is { } at ? time.GetTimestamp() + ToTicks(at - startedAt) : time.GetTimestamp();
        var measureFrom = start + ToTicks(options.Warmup);
        var measureTo = measureFrom + ToTicks(options.Duration);
        var total = (long)Math.Ceiling((options.Warmup + options.Duration).TotalSeconds * options.Rate);

        var ttft = new LatencyHistogram();
        var latency = new LatencyHistogram();
        var streamLatency = new LatencyHistogram();
        var wholeLatency = new LatencyHistogram();
        var sendLag = new LatencyHistogram();
        var refusedLatency = new LatencyHistogram();
        var errors = new Dictionary<string, long>();
        long measured = 0, ok = 0, lost = 0, inFlight = 0, saturated = 0;

        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(options.Warmup + options.Duration + workload.GenerationTime + TimeSpan.FromSeconds(60) + (start > time.GetTimestamp() ? time.GetElapsedTime(time.GetTimestamp(), start) : TimeSpan.Zero));

        await DelayUntilAsync(start, cancellationToken);
        Live.Phase = "warm-up";
        var marker = MarkAsync();
        var tasks = new List<Task>();
        for (long k = 0; k < total; k++)
        {
            if (!options.Shard.Owns(k))
            {
                continue;
            }

            var scheduled = start + (long)(k / options.Rate * time.TimestampFrequency);
            await DelayUntilAsync(scheduled, drain.Token);
            var record = scheduled >= measureFrom;
            if (Interlocked.Read(ref inFlight) >= options.MaxInFlight)
            {
                if (record)
                {
                    Interlocked.Increment(ref saturated);
                    Interlocked.Increment(ref measured);
                    Count("client_saturated");
                }

                continue;
            }

            if (record)
            {
                sendLag.Record(time.GetElapsedTime(scheduled));
            }

            var stream = options.Mode switch
            {
                RateMode.Stream => true,
                RateMode.Whole => false,
                _ => k % 2 == 0,
            };
            tasks.Add(OneAsync(k, scheduled, stream, record));
        }

        Live.Phase = "draining";
        await Task.WhenAll(tasks);
        await marker;
        Live.Phase = "done";

        var result = new ScenarioResult
        {
            Scenario = "rate",
            Label = options.Label,
            StartedAt = startedAt,
            Shards = options.Shard.Count,
            Targets = options.Targets.Select(t => t.ToString()).ToList(),
            MeasuredSeconds = options.Duration.TotalSeconds,
            Settings = new()
            {
                ["rate_per_s"] = options.Rate.ToString(CultureInfo.InvariantCulture),
                ["duration_s"] = options.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                ["warmup_s"] = options.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                ["mode"] = options.Mode.ToString().ToLowerInvariant(),
                ["workload"] = ChatWorkload.Describe(workload),
                ["http"] = options.Http2 ? "HTTP/2 (prior knowledge)" : "HTTP/1.1 keep-alive",
                ["max_in_flight"] = options.MaxInFlight.ToString(CultureInfo.InvariantCulture),
                ["shard"] = options.Shard.ToString(),
            },
            Counters = new()
            {
                ["requests_measured"] = measured,
                ["requests_ok"] = ok,
                ["requests_failed"] = measured - ok,
                ["client_saturated"] = saturated,
                ["chunks_lost"] = lost,
            },
            Errors = new(errors),
            Latencies = new()
            {
                ["time_to_first_token"] = LatencySummary.From(ttft),
                ["latency"] = LatencySummary.From(latency),
                ["latency_streamed"] = LatencySummary.From(streamLatency),
                ["latency_whole"] = LatencySummary.From(wholeLatency),
                ["send_lag"] = LatencySummary.From(sendLag),
                ["latency_refused"] = LatencySummary.From(refusedLatency),
            },
            Processes = monitor.Has("to") ? monitor.Groups("from", "to", "from", "to", 0) : [],
            Tool = monitor.Tool("from", "to"),
        };
        result.Tool.SteadyCpuPercentOfOneCore = result.Tool.CpuPercentOfOneCore;
        result.Tool.SteadyMachineCpuBusyPercent = result.Tool.MachineCpuBusyPercent;
        foreach (var group in result.Processes)
        {
            group.SteadyCpuPercentOfOneCore = group.CpuPercentOfOneCore;
        }

        return result;

        // A refusal (429 or 503, which say "retry later"): how fast it came is what a refusal is for.
        static bool IsRefusal(string error) => error.StartsWith("status_429", StringComparison.Ordinal) || error.StartsWith("status_503", StringComparison.Ordinal);

        void Count(string error)
        {
            lock (errors)
            {
                errors[error] = errors.GetValueOrDefault(error) + 1;
            }
        }

        async Task MarkAsync()
        {
            try
            {
                await DelayUntilAsync(measureFrom, drain.Token);
                Live.Phase = "measuring";
                monitor.Take("from");
                await DelayUntilAsync(measureTo, drain.Token);
                monitor.Take("to");
            }
            catch (OperationCanceledException)
            {
            }
        }

        async Task OneAsync(long k, long scheduled, bool stream, bool record)
        {
            await Task.Yield();
            Interlocked.Increment(ref inFlight);
            Live.OnStarted();
            Live.OnOpened();
            try
            {
                var prompt = (int)(k % workload.Prompts);
                var target = options.Targets[(int)(k % options.Targets.Count)];
                using var request = workload.CreateRequest(target, prompt, stream);
                RequestOutcome outcome;
                if (stream)
                {
                    var observer = new StreamObserver
                    {
                        FirstToken = record ? ttft.Record : null,
                        Event = Live.OnEvent,
                    };
                    outcome = await ChatRequester.StreamAsync(client, request, new StreamVerifier(expected.For(prompt), workload.Tokens), scheduled, time, observer, drain.Token);
                }
                else
                {
                    outcome = await ChatRequester.WholeAsync(client, request, expected.For(prompt), scheduled, time, null, drain.Token);
                }

                Live.OnFinished(outcome.Error is null, outcome.LostChunks);
                if (!record)
                {
                    return;
                }

                Interlocked.Increment(ref measured);
                Interlocked.Add(ref lost, outcome.LostChunks);
                if (outcome.Error is { } error)
                {
                    Count(error);
                    if (IsRefusal(error))
                    {
                        refusedLatency.Record(outcome.Total);
                    }

                    return;
                }

                Interlocked.Increment(ref ok);
                latency.Record(outcome.Total);
                (stream ? streamLatency : wholeLatency).Record(outcome.Total);
            }
            finally
            {
                Live.OnClosed();
                Interlocked.Decrement(ref inFlight);
            }
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
