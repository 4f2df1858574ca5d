using System.Net.Sockets;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Forwarding;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>
/// YARP's origin connections: a connect timeout (so failover is quick), TCP_NODELAY, warm HTTP/2
/// connections with keep-alive pings, and a count of open origin connections for metrics.
/// </summary>
public sealed class OriginHttpClientFactory(
    ILogger<ForwarderHttpClientFactory> logger,
    IOptions<CoreRelayOptions> options,
    CoreRelayMetrics metrics) : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        HeaderEncoding.UseUtf8(handler);
        handler.ConnectTimeout = options.Value.ConnectTimeout;
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2);
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(15);
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests;
        handler.ConnectCallback = ConnectAsync;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new CountedNetworkStream(socket, metrics);
    }

    private sealed class CountedNetworkStream : NetworkStream
    {
        private readonly CoreRelayMetrics _metrics;
        private int _closed;

        public CountedNetworkStream(Socket socket, CoreRelayMetrics metrics)
            : base(socket, ownsSocket: true)
        {
            _metrics = metrics;
            metrics.ConnectionOpened();
        }

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _metrics.ConnectionClosed();
            }

            base.Dispose(disposing);
        }
    }
}
