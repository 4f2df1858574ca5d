namespace AiCdn.EdgeGateway;

/// <summary>What the edge sheds before anything reaches a core (<c>Edge:Limits</c>). Zero turns a rate or concurrency limit off.</summary>
public sealed class EdgeLimitsOptions
{
    /// <summary>Requests per second over the whole edge, a token bucket (<c>RATE_LIMIT_GLOBAL</c>).</summary>
    public int GlobalRequestsPerSecond { get; set; } = 50_000;

    /// <summary>Bucket size of the global limit; defaults to one second's worth.</summary>
    public int GlobalBurst { get; set; }

    /// <summary>Requests per second from one client IP (IPv6: one /64). Generous: one IP may be a NAT or an application server.</summary>
    public int PerIpRequestsPerSecond { get; set; } = 100;

    /// <summary>Bucket size of the per-IP limit; defaults to two seconds' worth.</summary>
    public int PerIpBurst { get; set; }

    /// <summary>
    /// New connections per second from one client IP (IPv6: one /64), counted as Kestrel accepts
    /// them, before TLS or HTTP: over it the connection is closed at once, unanswered. Unset, it is
    /// <see cref="PerIpRequestsPerSecond"/> (a connection carries at least one request), so only
    /// clients whose connections carry no requests (TLS handshake or reconnect floods) meet it first.
    /// Connections from <see cref="EdgeOptions.TrustedProxies"/> are not counted. 0 turns it off.
    /// </summary>
    public int? PerIpConnectionsPerSecond { get; set; }

    /// <summary>Requests (streams, WebSockets) one client IP may have open at once.</summary>
    public int PerIpConcurrentRequests { get; set; } = 256;

    /// <summary>Open client connections the edge serves (<c>MAX_CONNECTIONS</c>); also the upgraded (WebSocket) connection cap.</summary>
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>Total size of a request's header lines, in bytes (431 above it).</summary>
    public int MaxRequestHeadersTotalSize { get; set; } = 32 * 1024;

    /// <summary>Number of request header lines (431 above it).</summary>
    public int MaxRequestHeaderCount { get; set; } = 100;

    /// <summary>Request body size in bytes (413 above it), also one WebSocket chat message.</summary>
    public long MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Time a client has to send its request headers (slowloris).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Slowest request body upload tolerated after the grace period, in bytes per second.</summary>
    public double MinRequestBodyDataRate { get; set; } = 240;

    public TimeSpan MinRequestBodyDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    public int EffectiveGlobalBurst => GlobalBurst > 0 ? GlobalBurst : GlobalRequestsPerSecond;

    public int EffectivePerIpBurst => PerIpBurst > 0 ? PerIpBurst : PerIpRequestsPerSecond * 2;

    public int EffectivePerIpConnectionsPerSecond => PerIpConnectionsPerSecond ?? PerIpRequestsPerSecond;

    /// <summary>Two seconds' worth, as the request rate's burst.</summary>
    public int EffectivePerIpConnectionBurst => (int)Math.Min(int.MaxValue, EffectivePerIpConnectionsPerSecond * 2L);
}
