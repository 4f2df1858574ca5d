using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.Forwarding.Connections;

/// <summary>
/// YARP's connections from one hop to the next: header values as UTF-8, Nagle off (SSE chunks are
/// small and must leave at once), HTTP/2 keep-alive pings so idle links stay warm, and the timeouts
/// and pool lifetimes the hop gives in <see cref="ConnectionSettings"/>.
/// </summary>
public abstract class HopHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger) : ForwarderHttpClientFactory(logger)
{
    /// <summary>Read each time YARP builds a handler, by then from validated options.</summary>
    protected abstract HopConnectionSettings ConnectionSettings { get; }

    /// <summary>The stream a connected socket is used through; a hop may wrap it, e.g. to count connections.</summary>
    protected virtual Stream OpenStream(Socket socket) => new NetworkStream(socket, ownsSocket: true);

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        var settings = ConnectionSettings;

        HeaderEncoding.UseUtf8(handler);
        handler.ConnectCallback = (connection, cancellationToken) => ConnectAsync(connection.DnsEndPoint, settings, cancellationToken);
        if (settings.ConnectTimeout is { } connectTimeout)
        {
            handler.ConnectTimeout = connectTimeout;
        }

        handler.KeepAlivePingDelay = settings.KeepAlivePingDelay;
        handler.KeepAlivePingTimeout = settings.KeepAlivePingTimeout;
        handler.KeepAlivePingPolicy = settings.KeepAlivePingPolicy;
        handler.PooledConnectionIdleTimeout = settings.PooledConnectionIdleTimeout;
        if (settings.PooledConnectionLifetime is { } lifetime)
        {
            handler.PooledConnectionLifetime = lifetime;
        }
    }

    private async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, HopConnectionSettings settings, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (settings.TcpKeepAlive)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (settings.TcpConnectTimeout is { } tcpConnectTimeout)
            {
                timeout.CancelAfter(tcpConnectTimeout);
            }

            try
            {
                await socket.ConnectAsync(endPoint, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }

            return OpenStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
