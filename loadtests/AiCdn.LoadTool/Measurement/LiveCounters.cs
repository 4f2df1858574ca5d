namespace AiCdn.LoadTool.Measurement;

/// <summary>Counters a running scenario updates and the progress display reads (lock-free).</summary>
public sealed class LiveCounters
{
    private long _started;
    private long _open;
    private long _peakOpen;
    private long _succeeded;
    private long _failed;
    private long _events;
    private long _lost;

    public string Phase { get; set; } = "starting";

    public long Started => Interlocked.Read(ref _started);

    public long Open => Interlocked.Read(ref _open);

    public long PeakOpen => Interlocked.Read(ref _peakOpen);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    public long Events => Interlocked.Read(ref _events);

    public long Lost => Interlocked.Read(ref _lost);

    public void OnStarted() => Interlocked.Increment(ref _started);

    public void OnOpened()
    {
        var open = Interlocked.Increment(ref _open);
        long peak;
        while (open > (peak = Interlocked.Read(ref _peakOpen)) && Interlocked.CompareExchange(ref _peakOpen, open, peak) != peak)
        {
        }
    }

    public void OnClosed() => Interlocked.Decrement(ref _open);

    public void OnEvent() => Interlocked.Increment(ref _events);

    public void OnFinished(bool ok, int lost)
    {
        Interlocked.Increment(ref ok ? ref _succeeded : ref _failed);
        if (lost > 0)
        {
            Interlocked.Add(ref _lost, lost);
        }
    }
}
