using AiCdn.Common.Overload;
namespace AiCdn.EdgeGateway;

/// <summary>Bound from <c>Edge</c>; the original's variables are aliases (see <see cref="Microsoft.Extensions.Hosting.EdgeGatewayExtensions"/>).</summary>
public sealed class EdgeOptions
{
    public const string SectionName = "Edge";

    /// <summary>
    /// Core relays, comma-separated URLs or <c>host:port</c> (<c>CORE_NODE_HOST</c>). Defaults to the
    /// service-discovery name of the core.
    /// </summary>
    public string CoreNodes { get; set; } = "http://core-relay";

    /// <summary>How the edge talks to its cores: <c>http1</c>, <c>h2c</c> (HTTP/2 cleartext, prior knowledge) or <c>h2</c> (HTTP/2 over TLS).</summary>
    public string CoreTransport { get; set; } = "http1";

    /// <summary>PEM client certificate the edge presents to cores that require mutual TLS (<c>CORE_CLIENT_CERT_FILE</c>).</summary>
    public string? CoreClientCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CoreClientCertificateFile"/> (<c>CORE_CLIENT_KEY_FILE</c>).</summary>
    public string? CoreClientKeyFile { get; set; }

    /// <summary>PEM CA the cores' server certificates must chain to (<c>CORE_CA_FILE</c>); the system store when unset.</summary>
    public string? CoreCaFile { get; set; }

    /// <summary>How long a TCP (and TLS) connection to a core may take before the next core is tried.</summary>
    public TimeSpan CoreConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the edge keeps trying to reopen a resumable stream on its core after the link broke
    /// mid-stream, before it ends the stream with a <c>stream_lost</c> error event (the client may
    /// then resume it itself). A core that refuses connections, or no longer holds the stream, ends
    /// it at once: waiting cannot bring it back.
    /// </summary>
    public TimeSpan LinkResumeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After this much silence on an event stream, the edge writes an SSE comment (<c>: keep-alive</c>)
    /// between events so intermediaries and clients wait for a model that thinks for minutes
    /// (<c>SSE_KEEPALIVE_INTERVAL</c>; 0 turns it off). Never sent to WebSocket clients.
    /// </summary>
    public TimeSpan SseKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long the link to a core may carry nothing before the edge gives up on the request. Longer
    /// than the core's own idle timeout (10 min), so a silent origin is ended by the core, with an
    /// error event, rather than cut here.
    /// </summary>
    public TimeSpan CoreActivityTimeout { get; set; } = TimeSpan.FromMinutes(11);

    /// <summary>Idle time after which an HTTP/2 ping checks a core connection (keeps it warm through NATs and load balancers).</summary>
    public TimeSpan CoreKeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a ping may go unanswered before the connection is dropped.</summary>
    public TimeSpan CoreKeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Path the active health check probes on every core.</summary>
    public string CoreHealthPath { get; set; } = "/health";

    public TimeSpan CoreHealthInterval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan CoreHealthTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many cores one request may try while nothing has reached the client.</summary>
    public int CoreMaxAttempts { get; set; } = 3;

    /// <summary>
    /// Request bodies up to this size (bytes) are kept until a core answers, so a core lost after
    /// reading one can be replaced by another. A larger body is retried only if no core read it.
    /// </summary>
    public int CoreRetryBodyLimit { get; set; } = 256 * 1024;

    /// <summary>Plain HTTP/1.1 (and h2c with prior knowledge) listener, <c>:80</c> style (<c>LISTEN_HTTP</c>).</summary>
    public string? ListenHttp { get; set; }

    /// <summary>The original's WebSocket port: plain HTTP serving every route (<c>LISTEN_WS</c>).</summary>
    public string? ListenWs { get; set; }

    /// <summary>The TLS port: HTTP/1.1 and HTTP/2 over TLS, HTTP/3 over QUIC where the OS supports it (<c>LISTEN_QUIC</c>).</summary>
    public string? ListenTls { get; set; }

    /// <summary>Where <c>/metrics</c>, <c>/health</c> and <c>/alive</c> are served; never on the public listeners (<c>METRICS_PORT</c>).</summary>
    public string ManagementListen { get; set; } = ":9090";

    /// <summary>Clients' proxies whose <c>X-Forwarded-For</c> is believed: comma-separated IPs or CIDR networks.</summary>
    public string? TrustedProxies { get; set; }

    /// <summary>How long in-flight streams may run after SIGTERM before they are ended with an error event (<c>DRAIN_TIMEOUT</c>).</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public EdgeTlsOptions Tls { get; set; } = new();

    public EdgeLimitsOptions Limits { get; set; } = new();

    /// <summary>When the edge refuses new requests because it cannot keep up (docs/edge-gateway.md, "Overload").</summary>
    public OverloadOptions Overload { get; set; } = new();

    public EdgeWebSocketOptions WebSocket { get; set; } = new();

    /// <summary>True when any of the original's listener variables is set; otherwise ASPNETCORE_URLS (or Aspire's endpoint) applies.</summary>
    public bool HasExplicitListeners =>
        !string.IsNullOrWhiteSpace(ListenHttp) || !string.IsNullOrWhiteSpace(ListenWs) || !string.IsNullOrWhiteSpace(ListenTls);
}
