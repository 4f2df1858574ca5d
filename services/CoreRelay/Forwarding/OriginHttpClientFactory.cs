using System.Net.Sockets;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Forwarding.Connections;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>
/// YARP's origin connections: a connect timeout (so failover is quick), pings while requests are
/// open, and a count of open origin connections for metrics.
/// </summary>
public sealed class OriginHttpClientFactory(
    ILogger<ForwarderHttpClientFactory> logger,
    IOptions<CoreRelayOptions> options,
    CoreRelayMetrics metrics) : HopHttpClientFactory(logger)
{
    protected override HopConnectionSettings ConnectionSettings => new()
    {
        ConnectTimeout = options.Value.ConnectTimeout,
        KeepAlivePingDelay = TimeSpan.FromSeconds(30),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    };

    protected override Stream OpenStream(Socket socket) => new CountedNetworkStream(socket, metrics);

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
