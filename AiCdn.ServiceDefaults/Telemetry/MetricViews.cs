using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace AiCdn.ServiceDefaults.Telemetry;

/// <summary>
/// Histogram views: bucket boundaries for the AiCdn and GenAI histograms. OpenTelemetry's defaults (0, 5, 10, 25 ...
/// 10000) are meant for milliseconds and would put every LLM latency, given in seconds, into the
/// first two buckets.
/// </summary>
public static class MetricViews
{
    /// <summary>
    /// From a millisecond (what a relay hop adds) to ten minutes (a long streamed completion).
    /// 0.1 is a boundary on purpose: the "p99 over 100 ms" alert compares against it, and
    /// <c>histogram_quantile</c> is exact only at boundaries.
    /// </summary>
    public static IReadOnlyList<double> Seconds { get; } =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 30, 60, 120, 300, 600];

    /// <summary>The GenAI semantic conventions' advice for <c>gen_ai.client.token.usage</c> (powers of 4), up to ~4M tokens.</summary>
    public static IReadOnlyList<double> Tokens { get; } =
        [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

    /// <summary>
    /// The view for one instrument: our buckets for histograms of the <c>aicdn.*</c> and
    /// <c>gen_ai.*</c> families measured in seconds or tokens, unless the instrument advises
    /// its own boundaries (auth-quota's sub-millisecond store timings do). Evaluated once per
    /// instrument when it is published, never per measurement.
    /// </summary>
    public static MetricStreamConfiguration? Select(Instrument instrument)
    {
        if (!IsOurs(instrument.Name) || HasAdvice(instrument))
        {
            return null;
        }

        return instrument switch
        {
            Histogram<double> or Histogram<float> or Histogram<long> or Histogram<int> when instrument.Unit == "s" =>
                new ExplicitBucketHistogramConfiguration { Boundaries = [.. Seconds] },
            Histogram<long> or Histogram<int> or Histogram<double> when instrument.Unit == "{token}" =>
                new ExplicitBucketHistogramConfiguration { Boundaries = [.. Tokens] },
            _ => null,
        };
    }

    private static bool IsOurs(string name) =>
        name.StartsWith("aicdn.", StringComparison.Ordinal) || name.StartsWith("gen_ai.", StringComparison.Ordinal);

    private static bool HasAdvice(Instrument instrument) => instrument switch
    {
        Instrument<double> { Advice.HistogramBucketBoundaries: not null } => true,
        Instrument<float> { Advice.HistogramBucketBoundaries: not null } => true,
        Instrument<long> { Advice.HistogramBucketBoundaries: not null } => true,
        Instrument<int> { Advice.HistogramBucketBoundaries: not null } => true,
        _ => false,
    };
}
