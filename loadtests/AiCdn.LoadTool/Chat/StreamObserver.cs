namespace AiCdn.LoadTool.Chat;

/// <summary>Where a stream reports its timings as they happen; any member may be left null.</summary>
public sealed class StreamObserver
{
    /// <summary>Time from the scheduled send to the first content chunk.</summary>
    public Action<TimeSpan>? FirstToken { get; init; }

    /// <summary>Gap between two consecutive content chunks.</summary>
    public Action<TimeSpan>? ChunkGap { get; init; }

    /// <summary>Any event arrived.</summary>
    public Action? Event { get; init; }

    /// <summary>Response headers arrived with a success status (the stream is open).</summary>
    public Action? Opened { get; init; }
}
