using System.Text.Json.Serialization;
using HdrHistogram;

namespace AiCdn.LoadTool.Measurement;

/// <summary>Percentiles of one latency histogram in milliseconds, and the histogram itself for merging and plotting.</summary>
public sealed class LatencySummary
{
    public static readonly double[] PlotPercentiles =
        [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];

    public long Count { get; init; }

    public double P50Ms { get; init; }

    public double P90Ms { get; init; }

    public double P99Ms { get; init; }

    [JsonPropertyName("p99_9_ms")]
    public double P999Ms { get; init; }

    public double MaxMs { get; init; }

    public double MeanMs { get; init; }

    /// <summary>Percentile → milliseconds, for the percentile plot.</summary>
    public Dictionary<string, double> Curve { get; init; } = [];

    /// <summary>Compressed HdrHistogram (V2, base64).</summary>
    public string Histogram { get; init; } = string.Empty;

    public static LatencySummary From(LatencyHistogram histogram)
    {
        var snapshot = histogram.Snapshot();
        double Ms(double percentile) => snapshot.TotalCount == 0 ? 0 : snapshot.GetValueAtPercentile(percentile) / 1000.0;
        return new LatencySummary
        {
            Count = snapshot.TotalCount,
            P50Ms = Ms(50),
            P90Ms = Ms(90),
            P99Ms = Ms(99),
            P999Ms = Ms(99.9),
            MaxMs = snapshot.TotalCount == 0 ? 0 : snapshot.GetMaxValue() / 1000.0,
            MeanMs = snapshot.TotalCount == 0 ? 0 : snapshot.GetMean() / 1000.0,
            Curve = PlotPercentiles.ToDictionary(p => p.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), Ms),
            Histogram = histogram.Encode(),
        };
    }
}
