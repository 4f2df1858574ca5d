using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using AiCdn.LoadTool.Chat;

namespace AiCdn.LoadTool.Chaos;

/// <summary>
/// The fault suite: starts a chain of two edges, two cores, auth-quota, Redis and llm-mock as real
/// processes, and for each fault in turn holds <see cref="ChaosOptions.Streams"/> paced streams and a
/// steady trickle of new requests while it injects the fault, then checks every stream token by
/// token, counts new requests refused while a healthy path existed, measures recovery, and holds
/// auth-quota's settled usage of every key to what the origin produced for it.
/// </summary>
public sealed class ChaosScenario(ChaosOptions options)
{
    /// <summary>How long after a fault requests still count as already on their way when it struck.</summary>
    private static readonly TimeSpan s_learnTime = TimeSpan.FromMilliseconds(500);

    public async Task<IReadOnlyList<ChaosPhaseResult>> RunAsync(Action<string> log, CancellationToken cancellationToken)
    {
        var keys = Enumerable.Range(0, options.Keys).Select(i => $"sk-aicdn-chaos-{i}-{RandomNumberGenerator.GetHexString(24, lowercase: true)}").ToList();
        log($"starting the chain (2 edges, 2 cores, auth-quota, Redis, llm-mock) from {options.Bin}");
        await using var chain = await ChaosChain.StartAsync(options, keys, cancellationToken);
        using var client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = int.MaxValue,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
        });
        var expected = await ExpectedTextAsync(client, chain.EdgeAddresses[0], keys[0], cancellationToken);

        var results = new List<ChaosPhaseResult>();
        foreach (var fault in options.Faults)
        {
            log($"{fault}: {ChaosFaults.Describe(fault, options.OriginStall)}; {options.Streams} streams");
            var result = await RunPhaseAsync(chain, client, keys, expected, fault, cancellationToken);
            log($"{fault}: {result.Complete} complete, {result.ExplicitError} explicit errors, {result.Cut} cut, {result.SilentTruncations} silent, {result.Duplicated} duplicated, {result.RefusedWithHealthyPath} refused with a healthy path");
            results.Add(result);
        }

        return results;
    }

    private async Task<ChaosPhaseResult> RunPhaseAsync(ChaosChain chain, HttpMessageInvoker client, IReadOnlyList<string> keys, string expected, string fault, CancellationToken cancellationToken)
    {
        if (fault == ChaosFaults.CoreRestart)
        {
            // The core to be restarted is down while the streams start.
            chain.Kill("core-1");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        var before = await UsageAsync(chain, client, keys, settle: false, cancellationToken);
        var edges = chain.EdgeAddresses;
        using var stopBackground = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var background = new BackgroundLoad(client, edges, keys, options.BackgroundRate);
        var backgroundRun = background.RunAsync(stopBackground.Token);

        var opened = 0;
        var probes = new List<Task<StreamProbe.Result>>(options.Streams);
        var openEvery = TimeSpan.FromSeconds(1 / options.OpenRate);
        var stallMs = (long)options.OriginStall.TotalMilliseconds;
        for (var i = 0; i < options.Streams; i++)
        {
            var keyIndex = i % keys.Count;
            var streamFault = fault != ChaosFaults.OriginStall ? null : i % 2 == 0 ? $"stall-after=2;stall-ms={stallMs}" : "abort-after=5";
            var request = ChaosRequests.Chat(edges[i % edges.Count], keys[keyIndex], keyIndex, options.TokensPerStream, stream: true, options.TokenIntervalMs, streamFault);
            probes.Add(Task.Run(async () =>
            {
                using (request)
                {
                    return await StreamProbe.RunAsync(client, request, expected, () => Interlocked.Increment(ref opened), cancellationToken);
                }
            }, cancellationToken));
            await Task.Delay(openEvery, cancellationToken);
        }

        await WaitAsync(() => Volatile.Read(ref opened) + probes.Count(p => p.IsCompleted) >= options.Streams, TimeSpan.FromSeconds(30), cancellationToken);
        var faultAt = Stopwatch.GetTimestamp();
        await InjectAsync(chain, fault, cancellationToken);

        var streamTime = TimeSpan.FromMilliseconds((long)options.TokensPerStream * options.TokenIntervalMs) + options.OriginStall + TimeSpan.FromMinutes(2);
        var outcomes = await Task.WhenAll(probes).WaitAsync(streamTime, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        await stopBackground.CancelAsync();
        await backgroundRun;

        await RestoreAsync(chain, cancellationToken);
        var after = await UsageAsync(chain, client, keys, settle: true, cancellationToken);

        var backgroundOutcomes = background.Outcomes;
        var failures = backgroundOutcomes.Where(o => o.Failure is not null).ToList();
        var lastFailure = failures.Where(f => f.Ended >= faultAt).Select(f => f.Ended).DefaultIfEmpty(0).Max();

        // A request already on its way to a core when that core is killed dies with it: it cannot be
        // sent again (the core, and the origin behind it, may have it). The chain cannot know of the
        // fault before it happens, and learns of it within the first refused connection: requests
        // sent from half a second after the fault on are new requests that must find a healthy path.
        var knowable = faultAt + (long)(s_learnTime.TotalSeconds * Stopwatch.Frequency);
        var refusedNew = failures.Count(f => f.Sent >= knowable);
        var lostInFlight = failures.Count(f => f.Sent < knowable && f.Ended >= faultAt);
        var healthyPath = ChaosFaults.HealthyPathExists(fault);
        var (exact, under, difference, note) = CompareUsage(fault, keys, before, after);
        return new ChaosPhaseResult
        {
            Fault = fault,
            Streams = options.Streams,
            Complete = outcomes.Count(o => o.Verdict == StreamVerdict.Complete && !o.Duplicated),
            ExplicitError = outcomes.Count(o => o.Verdict == StreamVerdict.ExplicitError),
            Cut = outcomes.Count(o => o.Verdict == StreamVerdict.Cut),
            SilentTruncations = outcomes.Count(o => o.Verdict == StreamVerdict.SilentTruncation),
            Duplicated = outcomes.Count(o => o.Duplicated),
            Altered = outcomes.Count(o => o.Verdict == StreamVerdict.Altered),
            BackgroundSent = backgroundOutcomes.Count,
            BackgroundFailed = failures.Count,
            // Every held stream was sent before the fault: one refused was in flight, not new.
            RefusedWithHealthyPath = healthyPath ? refusedNew : 0,
            LostInFlight = lostInFlight,
            BackgroundEndings = string.Join(", ", failures.GroupBy(f => f.Failure).OrderByDescending(g => g.Count()).Take(3).Select(g => $"{g.Key} ×{g.Count()}")),
            Recovery = lastFailure == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(faultAt, lastFailure),
            KeysSettledExactly = exact,
            KeysUndercharged = under,
            TokensSettledMinusProduced = difference,
            Keys = keys.Count,
            UsageNote = note,
            Endings = string.Join(", ", outcomes.Where(o => o.Verdict != StreamVerdict.Complete).GroupBy(o => o.Detail ?? o.Verdict.ToString())
                .OrderByDescending(g => g.Count()).Take(4).Select(g => $"{g.Key} ×{g.Count()}")),
        };
    }

    private async Task InjectAsync(ChaosChain chain, string fault, CancellationToken cancellationToken)
    {
        switch (fault)
        {
            case ChaosFaults.CoreKill:
                chain.Kill("core-1");
                break;
            case ChaosFaults.CoreRestart:
                await chain.StartAsync("core-1", cancellationToken);
                break;
            case ChaosFaults.RedisKill:
                chain.Kill("redis");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                await chain.StartAsync("redis", cancellationToken);
                break;
            case ChaosFaults.RedisStop:
                chain.Pause("redis");
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                chain.Resume("redis");
                break;
            case ChaosFaults.EdgeDrain:
                chain.Terminate("edge-1");
                await chain.WaitForExitAsync("edge-1", TimeSpan.FromSeconds(60), cancellationToken);
                await chain.StartAsync("edge-1", cancellationToken);
                break;
            case ChaosFaults.OriginStall:
                // Carried by the streams' own x-mock-fault headers.
                break;
            default:
                throw new ArgumentException($"Unknown fault '{fault}'; known: {string.Join(", ", ChaosFaults.All)}.", nameof(fault));
        }
    }

    /// <summary>Every process back up for the next fault.</summary>
    private static async Task RestoreAsync(ChaosChain chain, CancellationToken cancellationToken)
    {
        foreach (var name in new[] { "redis", "core-0", "core-1", "edge-0", "edge-1" })
        {
            await chain.StartAsync(name, cancellationToken);
        }
    }

    /// <summary>Per key: tokens auth-quota settled (today) and tokens the origin produced for it. With <paramref name="settle"/>, waits until neither moves.</summary>
    private static async Task<Dictionary<int, (long Settled, long Produced)>> UsageAsync(ChaosChain chain, HttpMessageInvoker client, IReadOnlyList<string> keys, bool settle, CancellationToken cancellationToken)
    {
        var last = await ReadUsageAsync(chain, client, keys, cancellationToken);
        if (!settle)
        {
            return last;
        }

        var stableSince = Stopwatch.GetTimestamp();
        var deadline = Stopwatch.StartNew();
        while (Stopwatch.GetElapsedTime(stableSince) < TimeSpan.FromSeconds(3) && deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var now = await ReadUsageAsync(chain, client, keys, cancellationToken);
            if (!now.SequenceEqual(last))
            {
                stableSince = Stopwatch.GetTimestamp();
                last = now;
            }
        }

        return last;
    }

    private static async Task<Dictionary<int, (long Settled, long Produced)>> ReadUsageAsync(ChaosChain chain, HttpMessageInvoker client, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        using var mockRequest = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{chain.MockPort}/mock/usage");
        using var mockResponse = await client.SendAsync(mockRequest, cancellationToken);
        using var produced = JsonDocument.Parse(await mockResponse.Content.ReadAsStringAsync(cancellationToken));
        var usage = new Dictionary<int, (long, long)>();
        for (var i = 0; i < keys.Count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{chain.AuthQuotaPort}/admin/keys/{ChaosRequests.KeyId(keys[i])}/usage");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ChaosChain.AdminToken);
            long settled = -1;
            try
            {
                using var response = await client.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                    settled = json.RootElement.GetProperty("key").GetProperty("tokens_today").GetProperty("used").GetInt64();
                }
            }
            catch (HttpRequestException)
            {
            }

            var user = produced.RootElement.TryGetProperty(ChaosRequests.User(i), out var account)
                ? account.GetProperty("prompt_tokens").GetInt64() + account.GetProperty("completion_tokens").GetInt64()
                : 0;
            usage[i] = (settled, user);
        }

        return usage;
    }

    private static (int? Exact, int? Under, long? Difference, string Note) CompareUsage(string fault, IReadOnlyList<string> keys, Dictionary<int, (long Settled, long Produced)> before, Dictionary<int, (long Settled, long Produced)> after)
    {
        if (fault == ChaosFaults.RedisKill)
        {
            return (null, null, null, "not comparable: Redis restarted empty (no persistence), so the day's counters restarted too");
        }

        var exact = 0;
        var under = 0;
        var differences = new List<string>();
        var total = 0L;
        for (var i = 0; i < keys.Count; i++)
        {
            var settled = after[i].Settled - before[i].Settled;
            var produced = after[i].Produced - before[i].Produced;
            total += settled - produced;
            if (settled == produced && after[i].Settled >= 0)
            {
                exact++;
                continue;
            }

            if (settled < produced)
            {
                under++;
            }

            differences.Add($"key {i}: settled {settled}, origin produced {produced} ({settled - produced:+#;-#;0})");
        }

        return (exact, under, total, differences.Count == 0 ? "every key settled exactly what the origin produced" : string.Join("; ", differences));
    }

    private async Task<string> ExpectedTextAsync(HttpMessageInvoker client, Uri edge, string key, CancellationToken cancellationToken)
    {
        using var request = ChaosRequests.Chat(edge, key, 0, options.TokensPerStream, stream: false, intervalMs: 0);
        using var response = await client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The reference request got {(int)response.StatusCode} ({ExpectedTexts.ErrorCode(body)}).");
        }

        return ExpectedTexts.WholeText(body) ?? throw new InvalidOperationException("The reference answer has no text.");
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < timeout)
        {
            await Task.Delay(50, cancellationToken);
        }
    }
}
