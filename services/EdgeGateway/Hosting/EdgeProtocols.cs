using System.Net.Quic;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AiCdn.EdgeGateway.Hosting;

/// <summary>Which HTTP versions each public listener speaks.</summary>
public static class EdgeProtocols
{
    /// <summary>
    /// Plain listeners: HTTP/1.1 (with WebSocket upgrades). Kestrel speaks cleartext HTTP/2 only on an
    /// HTTP/2-only endpoint, which HTTP/1.1 clients could not use; HTTP/2 is on the TLS listener.
    /// </summary>
    public const HttpProtocols Cleartext = HttpProtocols.Http1;

    /// <summary>True where the OS has a QUIC stack .NET can use (libmsquic on Linux).</summary>
    public static bool QuicSupported =>
        (OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()) && QuicListener.IsSupported;

    /// <summary>
    /// The TLS listener: HTTP/1.1 and HTTP/2 over TLS, plus HTTP/3 over QUIC on the same port only
    /// when QUIC is supported. Kestrel then advertises it with <c>Alt-Svc</c> on TCP responses.
    /// </summary>
    public static HttpProtocols ForTls(bool quicSupported) =>
        quicSupported ? HttpProtocols.Http1AndHttp2AndHttp3 : HttpProtocols.Http1AndHttp2;
}
