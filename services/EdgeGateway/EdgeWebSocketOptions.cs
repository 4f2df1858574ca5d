namespace AiCdn.EdgeGateway;

/// <summary>The WebSocket chat endpoint (<c>Edge:WebSocket</c>).</summary>
public sealed class EdgeWebSocketOptions
{
    /// <summary>Chat requests one socket may have running at once.</summary>
    public int MaxConcurrentRequests { get; set; } = 16;

    /// <summary>Ping interval that keeps idle sockets open through intermediaries.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Small frames (under 1 KiB of payload, of any kind: data, continuation, ping, pong) one chat
    /// socket may send a second, on average; past it the socket is closed with 1008. A tiny frame
    /// costs the edge up to about 400 ns whatever its size, so a flood of them costs 13 to 36 times a
    /// bulk upload's CPU per byte (docs/perf/websocket-floods.md); larger frames cost about what
    /// their bytes do. 0 turns the limit off.
    /// </summary>
    public int MaxSmallFramesPerSecond { get; set; } = 1_000;

    /// <summary>Small frames a socket may send at once above <see cref="MaxSmallFramesPerSecond"/>.</summary>
    public int SmallFrameBurst { get; set; } = 10_000;

    /// <summary>
    /// After a chat socket is closed for a frame flood, how long its client (IP, IPv6 /64) may not
    /// open another: 429 <c>rate_limit_exceeded</c> with <c>Retry-After</c> until then. Without it a
    /// client reopened flooding sockets as fast as the per-client rate allowed and kept an edge core
    /// busy (docs/perf/websocket-floods.md). Ordinary clients never meet it. 0 turns it off.
    /// </summary>
    public TimeSpan FloodPenalty { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most clients held by <see cref="FloodPenalty"/> at once; past it new offenders are not held.</summary>
    public const int FloodPenaltyCapacity = 65_536;
}
