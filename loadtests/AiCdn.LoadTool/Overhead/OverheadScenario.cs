using System.Globalization;
using AiCdn.LoadTool.Chat;
using AiCdn.LoadTool.Http;
using AiCdn.LoadTool.Measurement;
using AiCdn.LoadTool.Results;

namespace AiCdn.LoadTool.Overhead;

/// <summary>
/// What the chain adds: each worker sends the same streamed request straight to the origin and
/// through the chain, alternating which goes first, so both paths see the same machine load at the
/// same moments. The difference of their time-to-first-token and inter-chunk-gap percentiles is the
/// chain's cost.
/// </summary>
public sealed class OverheadScenario(OverheadOptions options, TimeProvider time)
{
    public LiveCounters Live { get; } = new();

    public async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        if (options.Problems().ToList() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        using var client = new LoadClient([], options.Http2);
        var workload = new ChatWorkload
        {
            ApiKey = options.ApiKey,
            Model = options.Model,
            Tokens = options.Tokens,
            TimeToFirstTokenMs = options.TimeToFirstTokenMs,
            TokenIntervalMs = options.TokenIntervalMs,
            Prompts = options.Prompts,
        };

        Live.Phase = "reference texts";
        var expected = await ExpectedTexts.FetchAsync(client, options.Direct, workload, cancellationToken);
        var chainExpected = await ExpectedTexts.FetchAsync(client, options.Chain, workload, cancellationToken);
        for (var prompt = 0; prompt < workload.Prompts; prompt++)
        {
            if (expected.For(prompt) != chainExpected.For(prompt))
            {
                throw new InvalidOperationException("The chain and the origin answer the same prompt with different text: they are not the same origin.");
            }
        }

        var paths = new[] { ("direct", options.Direct), ("chain", options.Chain) };
        var ttft = paths.ToDictionary(p => p.Item1, _ => new LatencyHistogram());
        var gaps = paths.ToDictionary(p => p.Item1, _ => new LatencyHistogram());
        var errors = new Dictionary<string, long>();
        long lost = 0, requests = 0;

        var startedAt = time.GetUtcNow();
        var start = time.GetTimestamp();
        var measureFrom = start + (long)(options.Warmup.TotalSeconds * time.TimestampFrequency);
        var end = measureFrom + (long)(options.Duration.TotalSeconds * time.TimestampFrequency);
        Live.Phase = "warm-up";
        var monitor = new ProcessMonitor([], time);
        var marker = Task.Run(
            async () =>
            {
                var wait = time.GetElapsedTime(time.GetTimestamp(), measureFrom);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }

                monitor.Take("from");
            },
            cancellationToken);

        await Parallel.ForAsync(0, options.Concurrency, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken }, async (worker, ct) =>
        {
            for (var i = 0; time.GetTimestamp() < end; i++)
            {
                var record = time.GetTimestamp() >= measureFrom;
                if (record)
                {
                    Live.Phase = "measuring";
                }

                var prompt = (worker + i) % workload.Prompts;
                var order = (worker + i) % 2 == 0 ? paths : [paths[1], paths[0]];
                foreach (var (name, target) in order)
                {
                    Live.OnStarted();
                    Live.OnOpened();
                    var observer = new StreamObserver
                    {
                        FirstToken = record ? ttft[name].Record : null,
                        ChunkGap = record ? gaps[name].Record : null,
                        Event = Live.OnEvent,
                    };
                    using var request = workload.CreateRequest(target, prompt, stream: true);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(workload.GenerationTime + TimeSpan.FromSeconds(30));
                    var outcome = await ChatRequester.StreamAsync(client, request, new StreamVerifier(expected.For(prompt), workload.Tokens), time.GetTimestamp(), time, observer, timeout.Token);
                    Live.OnClosed();
                    Live.OnFinished(outcome.Error is null, outcome.LostChunks);
                    if (!record)
                    {
                        continue;
                    }

                    lock (errors)
                    {
                        requests++;
                        lost += outcome.LostChunks;
                        if (outcome.Error is { } error)
                        {
                            var key = $"{name}_{error}";
                            errors[key] = errors.GetValueOrDefault(key) + 1;
                        }
                    }
                }
            }
        });

        await marker;
        monitor.Take("to");
        Live.Phase = "done";
        var result = new ScenarioResult
        {
            Scenario = "overhead",
            Label = options.Label,
            StartedAt = startedAt,
            Targets = [options.Direct.ToString(), options.Chain.ToString()],
            MeasuredSeconds = options.Duration.TotalSeconds,
            Settings = new()
            {
                ["concurrency"] = options.Concurrency.ToString(CultureInfo.InvariantCulture),
                ["duration_s"] = options.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                ["warmup_s"] = options.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                ["workload"] = ChatWorkload.Describe(workload),
                ["http"] = options.Http2 ? "HTTP/2 (prior knowledge)" : "HTTP/1.1 keep-alive",
            },
            Counters = new()
            {
                ["requests_measured"] = requests,
                ["requests_failed"] = errors.Values.Sum(),
                ["chunks_lost"] = lost,
            },
            Errors = new(errors),
            Latencies = new()
            {
                ["direct_time_to_first_token"] = LatencySummary.From(ttft["direct"]),
                ["chain_time_to_first_token"] = LatencySummary.From(ttft["chain"]),
                ["direct_chunk_gap"] = LatencySummary.From(gaps["direct"]),
                ["chain_chunk_gap"] = LatencySummary.From(gaps["chain"]),
            },
            Tool = monitor.Tool("from", "to"),
        };
        result.Tool.SteadyCpuPercentOfOneCore = result.Tool.CpuPercentOfOneCore;
        result.Tool.SteadyMachineCpuBusyPercent = result.Tool.MachineCpuBusyPercent;
        return result;
    }
}
