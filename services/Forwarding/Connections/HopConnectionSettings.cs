namespace AiCdn.Forwarding.Connections;

/// <summary>How one hop opens and keeps its connections to the next; each hop fills it from its own options.</summary>
public sealed record HopConnectionSettings
{
    /// <summary>
    /// Bounds the TCP connect alone, and fails it as a connection error (<c>SocketError.TimedOut</c>),
    /// which failover counts as unreachable. Null: no bound of its own.
    /// </summary>
    public TimeSpan? TcpConnectTimeout { get; init; }

    /// <summary>
    /// Bounds the whole connect, TLS included (<see cref="SocketsHttpHandler.ConnectTimeout"/>); YARP
    /// reports it as a timed-out request. Null: YARP's default.
    /// </summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>TCP keep-alive probes, so a peer that vanished without closing is noticed on an idle connection.</summary>
    public bool TcpKeepAlive { get; init; }

    public required TimeSpan KeepAlivePingDelay { get; init; }

    public required TimeSpan KeepAlivePingTimeout { get; init; }

    public required HttpKeepAlivePingPolicy KeepAlivePingPolicy { get; init; }

    public required TimeSpan PooledConnectionIdleTimeout { get; init; }

    /// <summary>Null: a pooled connection is kept for as long as it is used.</summary>
    public TimeSpan? PooledConnectionLifetime { get; init; }
}
