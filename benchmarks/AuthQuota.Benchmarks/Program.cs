using System.Globalization;
using AiCdn.AuthQuota.Benchmarks;
using AiCdn.Testing.Quota;
using HdrHistogram;
using StackExchange.Redis;

// auth-quota decision latency at a fixed rate (issue 4: p99 < 1 ms at 2,000 decisions/s against Redis).
// Four targets, one after the other in one run, at the same rate (--targets picks some):
//   redis-ping       a bare Redis PING from StackExchange.Redis: the floor of any Redis round trip
//   memory-store     authorize + settle over HTTP against auth-quota on its in-memory store
//   redis-store      authorize + settle over HTTP against auth-quota on Redis
//   core-direct      authorize + settle as core-relay makes them with the store's address: the reserve
//                    and settle scripts against Redis itself, the key's context from auth-quota
//   core-direct-lookup  the same, but the settle does not name the decision's key and tenant, so the
//                    store reads the reservation's pointer first (two round trips: the baseline)
// auth-quota runs in a child process (this program with --serve), the load generator in this one.
if (args is ["--serve", var store])
{
    await ServerProcess.ServeAsync(store);
    return;
}

var settings = BenchmarkSettings.Parse(args);
await using var ownRedis = settings.Redis is null ? await RedisServer.StartAsync() : null;
var redisAddress = settings.Redis ?? ownRedis!.ConnectionString;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"rate {settings.Rate}/s, {settings.Duration.TotalSeconds:0} s measured after {settings.Warmup.TotalSeconds:0} s warm-up, Redis {redisAddress}, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}"));
Console.WriteLine($"load average at the start: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine();
Console.WriteLine("| target | operation | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | errors |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");

if (settings.Targets.Contains("redis-ping"))
{
    await using var ping = await ConnectionMultiplexer.ConnectAsync(redisAddress);
    var db = ping.GetDatabase();
    await OpenLoop.RunAsync(settings.Rate, settings.Warmup, async _ => await db.PingAsync());
    var histogram = OpenLoop.NewHistogram();
    var errors = await OpenLoop.RunAsync(settings.Rate, settings.Duration, async scheduled =>
    {
        await db.PingAsync();
        OpenLoop.Record(histogram, scheduled);
    });
    Print("redis-ping", "PING", histogram, errors);
}

var cpu = new List<string>();
foreach (var (target, redis) in new[] { ("memory-store", (string?)null), ("redis-store", redisAddress), ("core-direct-lookup", redisAddress), ("core-direct", redisAddress) })
{
    if (!settings.Targets.Contains(target))
    {
        continue;
    }

    await using var server = await ServerProcess.StartAsync(redis);
    await using IDecisionClient client = target switch
    {
        "core-direct" => new CoreDirectClient(server.Address, redisAddress),
        "core-direct-lookup" => new CoreDirectClient(server.Address, redisAddress, routedSettle: false),
        _ => new CoreLikeClient(server.Address),
    };
    var authorize = OpenLoop.NewHistogram();
    var settle = OpenLoop.NewHistogram();
    var roundTrip = OpenLoop.NewHistogram();
    var stream = 0;
    async Task DecideAsync(long scheduled, bool record)
    {
        var decision = await client.AuthorizeAsync(stream: Interlocked.Increment(ref stream) % 2 == 0);
        if (record)
        {
            OpenLoop.Record(authorize, scheduled);
        }

        var settleStart = System.Diagnostics.Stopwatch.GetTimestamp();
        await client.SettleAsync(decision);
        if (record)
        {
            OpenLoop.Record(settle, settleStart);
            OpenLoop.Record(roundTrip, scheduled);
        }
    }

    await OpenLoop.RunAsync(settings.Rate, settings.Warmup, scheduled => DecideAsync(scheduled, record: false));
    var serverCpu = server.CpuTime;
    var ownCpu = Environment.CpuUsage.TotalTime;
    var (gen0, gen2, paused, allocated) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());
    var errors = await OpenLoop.RunAsync(settings.Rate, settings.Duration, scheduled => DecideAsync(scheduled, record: true));
    var decisions = settings.Rate * settings.Duration.TotalSeconds;
    cpu.Add(string.Create(CultureInfo.InvariantCulture,
        $"{target}: auth-quota used {(server.CpuTime - serverCpu).TotalMicroseconds / decisions:0} µs of CPU per authorize + settle, the load generator {(Environment.CpuUsage.TotalTime - ownCpu).TotalMicroseconds / decisions:0} µs; the generator allocated {(GC.GetTotalAllocatedBytes() - allocated) / decisions / 1024:0.0} KiB per authorize + settle; its GC: {GC.CollectionCount(0) - gen0} collections ({GC.CollectionCount(2) - gen2} gen2), {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:0} ms paused"));
    Print(target, "authorize", authorize, errors);
    Print(target, "settle", settle, errors);
    Print(target, "authorize + settle", roundTrip, errors);
}

Console.WriteLine();
cpu.ForEach(Console.WriteLine);
Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");

static void Print(string target, string operation, LongHistogram histogram, int errors) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {target} | {operation} | {histogram.GetValueAtPercentile(50)} | {histogram.GetValueAtPercentile(90)} | {histogram.GetValueAtPercentile(99)} | {histogram.GetValueAtPercentile(99.9)} | {histogram.GetMaxValue()} | {errors} |"));
