namespace AiCdn.EdgeGateway.Hosting;

/// <summary>Which of the edge's listeners a connection arrived on.</summary>
public enum ListenerKind
{
    /// <summary><c>LISTEN_HTTP</c>, or ASPNETCORE_URLS when none of the original's variables is set.</summary>
    Http,

    /// <summary><c>LISTEN_WS</c>: the original's WebSocket port, plain HTTP serving every route.</summary>
    WebSocket,

    /// <summary><c>LISTEN_QUIC</c>: TLS (HTTP/1.1, HTTP/2) and QUIC (HTTP/3) where supported.</summary>
    Tls,

    /// <summary><c>METRICS_PORT</c>: metrics and health, never the API.</summary>
    Management,
}
