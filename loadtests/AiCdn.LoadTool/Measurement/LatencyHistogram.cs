using HdrHistogram;
using HdrHistogram.Utilities;

namespace AiCdn.LoadTool.Measurement;

/// <summary>
/// A thread-safe HdrHistogram of durations in microseconds (1 µs to 1 hour, 3 significant digits).
/// Recording takes a lock: the scenarios record at most tens of thousands of values a second, far
/// below where contention would cost anything measurable next to a socket read.
/// </summary>
public sealed class LatencyHistogram
{
    public const long HighestTrackableMicroseconds = 3_600_000_000;

    private readonly LongHistogram _histogram = new(HighestTrackableMicroseconds, 3);
    private readonly Lock _gate = new();

    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _histogram.TotalCount;
            }
        }
    }

    public void Record(TimeSpan duration)
    {
        // Negative durations cannot happen with a monotonic clock; clamp rather than throw in a hot path.
        var micros = Math.Clamp((long)duration.TotalMicroseconds, 0, HighestTrackableMicroseconds);
        lock (_gate)
        {
            _histogram.RecordValue(micros);
        }
    }

    public void Add(LatencyHistogram other)
    {
        var copy = other.Snapshot();
        lock (_gate)
        {
            _histogram.Add(copy);
        }
    }

    /// <summary>A copy that can be read without holding the lock.</summary>
    public LongHistogram Snapshot()
    {
        lock (_gate)
        {
            return (LongHistogram)_histogram.Copy();
        }
    }

    /// <summary>The compressed V2 encoding HdrHistogram tools read, as base64, so shards can be merged exactly.</summary>
    public string Encode()
    {
        var snapshot = Snapshot();
        var buffer = ByteBuffer.Allocate(snapshot.GetNeededByteBufferCapacity());
        var length = HistogramEncoding.EncodeIntoCompressedByteBuffer(snapshot, buffer);

        // ByteBuffer exposes its bytes only one at a time.
        var bytes = new byte[length];
        buffer.Position = 0;
        for (var i = 0; i < length; i++)
        {
            bytes[i] = buffer.Get();
        }

        return Convert.ToBase64String(bytes);
    }

    public static LatencyHistogram Decode(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        var decoded = HistogramEncoding.DecodeFromCompressedByteBuffer(ByteBuffer.Allocate(bytes), 0);
        var histogram = new LatencyHistogram();
        lock (histogram._gate)
        {
            histogram._histogram.Add(decoded);
        }

        return histogram;
    }
}
