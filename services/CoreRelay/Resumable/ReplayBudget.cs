namespace AiCdn.CoreRelay.Resumable;

/// <summary>The bytes all streams' replay buffers hold together, against <see cref="ResumableOptions.MaxBytesTotal"/>.</summary>
public sealed class ReplayBudget(long limit)
{
    private long _used;

    public long Limit { get; } = limit;

    public long Used => Interlocked.Read(ref _used);

    public bool OverLimit => Used > Limit;

    public void Add(long bytes) => Interlocked.Add(ref _used, bytes);
}
