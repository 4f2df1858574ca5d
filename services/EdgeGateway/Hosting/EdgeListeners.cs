using System.Security.Authentication;
using AiCdn.Common.Hosting;
using AiCdn.EdgeGateway.Tls;
using AiCdn.Forwarding;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.Hosting;

/// <summary>
/// The edge's sockets and Kestrel limits. Public listeners come from the original's variables
/// (<c>LISTEN_HTTP</c>, <c>LISTEN_WS</c>, <c>LISTEN_QUIC</c>) or, when none is set, from
/// ASPNETCORE_URLS (what Aspire sets); the management listener (<c>METRICS_PORT</c>) is bound last,
/// so the first server address is always a public one.
/// </summary>
public sealed partial class EdgeListeners(
    IConfiguration configuration,
    IOptions<EdgeOptions> options,
    ConnectionGate gate,
    ConnectionLimits connectionLimits,
    EdgeCertificateStore certificates,
    ILogger<EdgeListeners> logger) : IConfigureOptions<KestrelServerOptions>
{
    /// <summary>Used when nothing names a public listener: the original's WebSocket port, serving every route.</summary>
    public const int DefaultPublicPort = 8080;

    public void Configure(KestrelServerOptions kestrel)
    {
        var settings = options.Value;
        kestrel.AddServerHeader = false;
        HeaderEncoding.UseUtf8(kestrel);
        ApplyLimits(kestrel.Limits, settings.Limits, connectionLimits);
        if (connectionLimits.LoweredFrom(settings.Limits.MaxConnections))
        {
            LogConnectionsLowered(logger, settings.Limits.MaxConnections, connectionLimits.OpenFiles ?? 0, connectionLimits.Soft);
        }

        if (settings.HasExplicitListeners)
        {
            BindPlain(kestrel, settings.ListenHttp, ListenerKind.Http);
            BindPlain(kestrel, settings.ListenWs, ListenerKind.WebSocket);
            if (ListenAddress.TryParse(settings.ListenTls, out var tls))
            {
                var protocols = EdgeProtocols.ForTls(EdgeProtocols.QuicSupported);
                LogTlsListener(logger, tls.ToString(), protocols.ToString());
                kestrel.Listen(tls, listen =>
                {
                    listen.Protocols = protocols;
                    listen.Use(gate.For(ListenerKind.Tls));
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificateSelector = (_, _) => certificates.Current,
                        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    });
                });
            }
        }
        else if (kestrel.ListenConfiguredUrls(configuration, listen => Public(listen, ListenerKind.Http)) == 0)
        {
            kestrel.Listen(new ListenAddress(null, DefaultPublicPort), listen => Public(listen, ListenerKind.Http));
        }

        ListenAddress.TryParse(settings.ManagementListen, out var management);
        kestrel.Listen(management, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(gate.For(ListenerKind.Management));
        });
    }

    private void BindPlain(KestrelServerOptions kestrel, string? value, ListenerKind kind)
    {
        if (ListenAddress.TryParse(value, out var address))
        {
            kestrel.Listen(address, listen => Public(listen, kind));
        }
    }

    private void Public(ListenOptions listen, ListenerKind kind)
    {
        listen.Protocols = EdgeProtocols.Cleartext;
        listen.Use(gate.For(kind));
    }

    private static void ApplyLimits(KestrelServerLimits kestrel, EdgeLimitsOptions limits, ConnectionLimits connections)
    {
        kestrel.MaxConcurrentConnections = connections.Hard;
        kestrel.MaxConcurrentUpgradedConnections = connections.Soft;

        // Kestrel answers its own header limits with a bare status before any middleware runs; the
        // configured limits are enforced one step later with OpenAI's 431 body, and Kestrel's, set
        // twice as high, only cuts grossly oversized requests early.
        kestrel.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalSize * 2;
        kestrel.MaxRequestHeaderCount = limits.MaxRequestHeaderCount * 2;
        kestrel.Http2.MaxRequestHeaderFieldSize = Math.Max(kestrel.Http2.MaxRequestHeaderFieldSize, limits.MaxRequestHeadersTotalSize * 2);
        kestrel.MaxRequestBodySize = limits.MaxRequestBodySize;
        kestrel.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.MinRequestBodyDataRate = limits.MinRequestBodyDataRate > 0
            ? new MinDataRate(limits.MinRequestBodyDataRate, limits.MinRequestBodyDataRateGracePeriod)
            : null;

        // Readers of a token stream are slow by nature; a minimum response rate would cut them.
        kestrel.MinResponseDataRate = null;
    }

    [LoggerMessage(EventId = 2, EventName = "ConnectionsLowered", Level = LogLevel.Warning,
        Message = "MAX_CONNECTIONS is {Configured} but this process may open only {OpenFiles} files: at most {Served} client connections are served (the rest are refused with 503). Raise LimitNOFILE (ulimit -n) to hold more.")]
    private static partial void LogConnectionsLowered(ILogger logger, int configured, long openFiles, int served);

    [LoggerMessage(EventId = 1, EventName = "TlsListener", Level = LogLevel.Information, Message = "TLS listener {Address}: {Protocols} (HTTP/3 needs QUIC support in the OS: libmsquic on Linux).")]
    private static partial void LogTlsListener(ILogger logger, string address, string protocols);
}
