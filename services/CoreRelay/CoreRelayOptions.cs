namespace AiCdn.CoreRelay;

/// <summary>Bound from <c>CoreRelay</c>; the original's <c>LLM_SOURCE_*</c> variables are aliases.</summary>
public sealed class CoreRelayOptions
{
    public const string SectionName = "CoreRelay";

    /// <summary>
    /// LLM origins, comma-separated: full URLs (<c>https://api.openai.com</c>), <c>host:port</c> or bare
    /// hosts (then <see cref="OriginPort"/> applies). <c>LLM_SOURCE_HOST</c>. Defaults to the
    /// service-discovery name of the development mock.
    /// </summary>
    public string Origins { get; set; } = "http://llm-mock";

    /// <summary>Port for origins given without one (<c>LLM_SOURCE_PORT</c>, default 8000 as in the original).</summary>
    public int OriginPort { get; set; } = 8000;

    /// <summary>
    /// How the core speaks to http:// origins (<c>LLM_SOURCE_PROTOCOL</c>): <c>http1</c> (default; what
    /// most self-hosted OpenAI-compatible servers speak) or <c>h2c</c> (HTTP/2 with prior knowledge:
    /// many streams on few connections). https:// origins negotiate HTTP/2 by ALPN either way.
    /// </summary>
    public string OriginProtocol { get; set; } = "http1";

    /// <summary>
    /// Client request headers forwarded to the origins besides those every call needs
    /// (<c>FORWARD_REQUEST_HEADERS</c>): comma-separated names, a trailing <c>*</c> matching a
    /// prefix. Everything else a client sends stops at the core (see <c>OriginHeaderPolicy</c>).
    /// Development chains with llm-mock add <c>x-mock-*</c> so its pacing and faults can be steered.
    /// </summary>
    public string ForwardRequestHeaders { get; set; } = "accept-language,openai-beta,user-agent,x-request-id";

    /// <summary>The key the core presents to the origins (<c>LLM_SOURCE_API_KEY</c>); the client's key never leaves the core.</summary>
    public string? OriginApiKey { get; set; }

    /// <summary>Where auth-quota answers (service discovery name by default).</summary>
    public string AuthQuotaUrl { get; set; } = "http://auth-quota";

    /// <summary>Connections the core keeps to auth-quota at most; decisions beyond them wait for one.</summary>
    public int AuthQuotaMaxConnections { get; set; } = 128;

    /// <summary>
    /// Quota decisions in flight at once (<c>MAX_PENDING_DECISIONS</c>); a request arriving when all
    /// are taken is refused at once with 503 <c>overloaded</c> instead of queueing behind them. 0: no cap.
    /// </summary>
    public int MaxPendingDecisions { get; set; } = 512;

    /// <summary>
    /// Decide against Redis directly (one round trip, no call to auth-quota) when this core has the
    /// quota store's connection string (<c>ConnectionStrings:redis</c>) and auth-quota keeps its
    /// counters there. Off, or without Redis, every decision is a call to auth-quota.
    /// </summary>
    public bool DirectQuota { get; set; } = true;

    /// <summary>
    /// How long a key's context (its record and its tenant's limits, from auth-quota) may be used for
    /// direct decisions. At most one second, so an admin change reaches every core within a second.
    /// </summary>
    public TimeSpan KeyContextTtl { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a key's context may be used while this core hears key changes from Redis
    /// (<c>KEY_CONTEXT_MAX_AGE_SECONDS</c>): a change drops it at once, so keys called less often than
    /// <see cref="KeyContextTtl"/> are still decided here. While the subscription is down (or a
    /// change is settling) contexts fall back to <see cref="KeyContextTtl"/>. Set it equal to
    /// <see cref="KeyContextTtl"/> to rely on the short TTL alone.
    /// </summary>
    public TimeSpan KeyContextMaxAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Request bodies larger than this get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Bodies larger than this are inspected and counted only after the caller's key is known to be
    /// valid (from the key's context, or one call to auth-quota), so an unauthenticated request
    /// costs at most this much parsing and counting. Smaller bodies are checked with the decision
    /// itself, in one call.
    /// </summary>
    public int KeyCheckAboveBodyBytes { get; set; } = 16 * 1024;

    /// <summary>Tokens reserved for the completion when a request sets no <c>max_tokens</c>.</summary>
    public int DefaultCompletionTokenEstimate { get; set; } = 1024;

    /// <summary>
    /// An extra cleartext listener speaking only HTTP/2 with prior knowledge (<c>LISTEN_H2C</c>, e.g.
    /// <c>:8081</c>): the multiplexed edge → core link for trusted networks. Plain listeners from
    /// <c>ASPNETCORE_URLS</c> stay as they are.
    /// </summary>
    public string? ListenH2c { get; set; }

    /// <summary>
    /// An extra TLS listener (<c>LISTEN_TLS</c>) offering HTTP/2 and HTTP/1.1; with
    /// <see cref="TlsOptions.ClientCaFile"/> it asks edges for a client certificate (mutual TLS).
    /// </summary>
    public string? ListenTls { get; set; }

    public TlsOptions Tls { get; set; } = new();

    /// <summary>When the core refuses new requests because it cannot keep up (docs/overload.md).</summary>
    public AiCdn.Common.Overload.OverloadOptions Overload { get; set; } = new();

    /// <summary>Stream ids, replay buffers and resume (see <see cref="Resumable.ResumableOptions"/>).</summary>
    public Resumable.ResumableOptions Resumable { get; set; } = new();

    /// <summary>
    /// How long a stream may stay silent before it is ended with an error event (not a cap on its
    /// total length). Reasoning models can think for minutes before and between tokens.
    /// </summary>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long connecting to an origin may take before another is tried.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Origins tried per request, at most, while nothing has been sent to the client.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Path probed by YARP's active health checks on every origin (e.g. <c>/health</c> on llm-mock).
    /// Empty disables active checks (passive checks always run): a real OpenAI-compatible API may
    /// have no unauthenticated health path.
    /// </summary>
    public string? OriginHealthCheckPath { get; set; }

    /// <summary>Interval of the active origin health checks.</summary>
    public TimeSpan OriginHealthCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Tenants that get their own label on token metrics; others are reported as <c>other</c>.
    /// Empty: the first 100 tenants seen.
    /// </summary>
    public List<string> MetricsTenants { get; set; } = [];

    /// <summary>
    /// How often open reservations of running streams are renewed; keep it well under auth-quota's
    /// reservation TTL (10 minutes by default).
    /// </summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Non-streamed response bodies up to this size are scanned for <c>usage</c>.</summary>
    public int UsageScanCapBytes { get; set; } = 8 * 1024 * 1024;
}

/// <summary>The core's TLS listener material, PEM files.</summary>
public sealed class TlsOptions
{
    /// <summary>Server certificate (<c>TLS_CERT_FILE</c>).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>Its private key (<c>TLS_KEY_FILE</c>).</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// CA that signs the edges' client certificates (<c>CLIENT_CA_FILE</c>). When set, a connection
    /// presenting a certificate that chains to it is trusted as an edge without the signature header.
    /// </summary>
    public string? ClientCaFile { get; set; }
}
