namespace AiCdn.CoreRelay.Resumable;

/// <summary>Bound from <c>CoreRelay:Resumable</c>.</summary>
public sealed class ResumableOptions
{
    /// <summary>Streams get ids and a replay buffer (<c>RESUMABLE_STREAMS</c>). Off: plain relaying.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long the core keeps consuming the origin after the last reader left, and keeps a finished
    /// stream's events for late resumers (<c>RESUME_GRACE_SECONDS</c>).
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Replay bytes kept per stream; older events already delivered are dropped past it.</summary>
    public int MaxBytesPerStream { get; set; } = 256 * 1024;

    /// <summary>Replay bytes kept by all streams of this core together.</summary>
    public long MaxBytesTotal { get; set; } = 256L * 1024 * 1024;

    /// <summary>How long an expired stream still answers its owner 410 rather than 404.</summary>
    public TimeSpan TombstoneLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>This core's name inside stream ids, so edges can find it again (<c>CORE_NODE_ID</c>). Default: host name plus a random suffix.</summary>
    public string? NodeId { get; set; }
}
