namespace AiCdn.Common.Overload;

/// <summary>
/// When a service refuses new requests because it cannot keep up (<c>Edge:Overload</c>,
/// <c>CoreRelay:Overload</c>): work waiting in the thread pool's queue longer than
/// <see cref="QueueDelayTarget"/> for a whole <see cref="Window"/> means requests are queueing
/// faster than they are served.
/// </summary>
public sealed class OverloadOptions
{
    /// <summary>Queue delay above which the service counts as behind (<c>OVERLOAD_QUEUE_DELAY</c>); zero never sheds.</summary>
    public TimeSpan QueueDelayTarget { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>How long the delay must stay above the target before new requests are refused: a GC pause or a burst is not overload.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Time between two samples of the queue delay.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    public bool Enabled => QueueDelayTarget > TimeSpan.Zero;

    /// <summary>Problems with these settings, each naming the key under <paramref name="section"/>.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (QueueDelayTarget < TimeSpan.Zero)
        {
            yield return $"{section}:QueueDelayTarget (OVERLOAD_QUEUE_DELAY) ({QueueDelayTarget}) must not be negative; 0 turns shedding off.";
        }

        if (Enabled && (Window <= TimeSpan.Zero || Window > TimeSpan.FromSeconds(10)))
        {
            yield return $"{section}:Window ({Window}) must be above zero and at most 10 s.";
        }

        if (Enabled && (SampleInterval < TimeSpan.FromMilliseconds(1) || SampleInterval > Window))
        {
            yield return $"{section}:SampleInterval ({SampleInterval}) must be at least 1 ms and at most the window ({Window}).";
        }
    }
}
