namespace AiCdn.Common.Warmup;

/// <summary>
/// Self-traffic a service sends itself after it started and before <c>/health</c> reports it ready
/// (<c>Warmup</c> section): a fresh process runs every method at tier 0 of the JIT, and a first
/// burst at that speed is refused as overload (BENCHMARKS.md, "Start-up").
/// </summary>
public sealed class WarmupOptions
{
    public const string SectionName = "Warmup";

    /// <summary>
    /// How many requests to send (<c>WARMUP_REQUESTS</c>); 0 turns warm-up off and the service is
    /// ready at once. Measured on 2 cores (BENCHMARKS.md, "Start-up"): every request path is
    /// JIT-compiled within the first 100, but the runtime goes on recompiling hot methods at tier 1
    /// while traffic lasts (the core: 1,400 methods after 1,000 requests, 2,700 after 10,000, 5,500
    /// after 25,000); 10,000 take about 3.5 s in the core and 2 s in the edge.
    /// </summary>
    public int Requests { get; set; } = 10_000;

    /// <summary>How many of them are in flight at once.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>
    /// The most warm-up may take (<c>WARMUP_MAX_DURATION</c>): past it the service reports ready
    /// whatever is left, so a slow machine starts late, never not at all.
    /// </summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromSeconds(15);

    public bool Enabled => Requests > 0;
}
