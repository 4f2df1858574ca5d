using System.Globalization;

namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>Command line: <c>--rate 2000 --duration 30 --warmup 20 [--redis host:port] [--targets redis-ping,memory-store,redis-store,core-direct-lookup,core-direct]</c>. The warm-up lets tiered JIT finish before anything is measured..</summary>
public sealed record BenchmarkSettings(int Rate, TimeSpan Duration, TimeSpan Warmup, string? Redis, IReadOnlySet<string> Targets)
{
    public static readonly string[] AllTargets = ["redis-ping", "memory-store", "redis-store", "core-direct-lookup", "core-direct"];

    public static BenchmarkSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'. Usage: --rate 2000 --duration 30 --warmup 5 [--redis host:port]");
            }

            values[args[i][2..]] = args[i + 1];
        }

        int Number(string name, int fallback) => values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        return new BenchmarkSettings(
            Number("rate", 2000),
            TimeSpan.FromSeconds(Number("duration", 30)),
            TimeSpan.FromSeconds(Number("warmup", 20)),
            values.GetValueOrDefault("redis"),
            (values.GetValueOrDefault("targets") ?? string.Join(',', AllTargets)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal));
    }
}
