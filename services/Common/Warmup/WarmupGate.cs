using System.Collections.Concurrent;

namespace AiCdn.Common.Warmup;

/// <summary>Whether the service is warm: closed from start until warm-up ends (done, or out of time).</summary>
public sealed class WarmupGate
{
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private volatile bool _open;
    private int _sent;
    private int _failed;

    public bool IsOpen => _open;

    /// <summary>Warm-up requests answered so far, whatever the answer.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>Warm-up requests that got no answer (the connection failed, or the time ran out).</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>The answers so far by status, e.g. <c>401×998, 503×2</c>: a warm-up that stopped early (403, 404) shows here.</summary>
    public string Answers => string.Join(", ", _statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"));

    internal void Answered(int status)
    {
        _statuses.AddOrUpdate(status, 1, static (_, count) => count + 1);
        Interlocked.Increment(ref _sent);
    }

    internal void NotAnswered() => Interlocked.Increment(ref _failed);

    internal void Open() => _open = true;
}
