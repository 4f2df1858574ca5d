using System.Net;
using AiCdn.EdgeGateway.Protection;
using AiCdn.EdgeGateway.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.Hosting;

/// <summary>
/// Counts open client connections (<c>aicdn.connections.active</c>) and enforces
/// <c>MAX_CONNECTIONS</c> (as <see cref="ConnectionLimits"/> holds it) over all public listeners. A connection over the limit is not dropped
/// silently: it is marked, and its first request is answered with an OpenAI-style 503 and the
/// connection closed (<see cref="Protection.RequestLimitsMiddleware"/>). Kestrel's own connection
/// limit sits a little above ours as the hard backstop. The management listener is counted but never limited.
/// It also takes each public connection's token from its client's per-IP connection rate
/// (<see cref="EdgeLimitsOptions.PerIpConnectionsPerSecond"/>) before TLS or HTTP: a connection
/// over it is closed unanswered, so a client reconnecting in a loop (a TLS handshake flood, a
/// WebSocket reopened as fast as it is closed) costs an accept and a close, not a handshake, a
/// request and a refusal each (docs/perf/websocket-floods.md).
/// </summary>
public sealed class ConnectionGate(ConnectionLimits limits, EdgeRateLimiters rateLimiters, IOptions<EdgeOptions> options, EdgeMetrics metrics)
{
    private readonly List<IPNetwork> _trustedProxies = TrustedProxies(options.Value);
    private long _open;

    /// <summary>Public connections open now.</summary>
    public long Open => Interlocked.Read(ref _open);

    /// <summary>Kestrel's hard limit: room above ours to answer the excess with a 503 before refusing outright.</summary>
    public static long HardLimit(int maxConnections) => maxConnections + Math.Max(16L, maxConnections / 10L);

    public Func<ConnectionDelegate, ConnectionDelegate> For(ListenerKind listener) => next => connection => TrackAsync(next, connection, listener);

    private async Task TrackAsync(ConnectionDelegate next, ConnectionContext connection, ListenerKind listener)
    {
        var limited = listener != ListenerKind.Management;
        if (limited && !TakeConnectionToken(connection.RemoteEndPoint))
        {
            metrics.Rejected(LimitKinds.IpConnectionRate);
            return;
        }

        var overLimit = limited && Interlocked.Increment(ref _open) > limits.Soft;
        if (overLimit)
        {
            metrics.Rejected(LimitKinds.Connections);
        }

        connection.Features.Set(new EdgeConnectionFeature(listener, overLimit));
        var label = listener.Label();
        metrics.ConnectionOpened(label);
        try
        {
            await next(connection);
        }
        finally
        {
            metrics.ConnectionClosed(label);
            if (limited)
            {
                Interlocked.Decrement(ref _open);
            }
        }
    }

    /// <summary>False when the peer has opened more connections than its per-IP rate allows (trusted proxies and non-IP peers are not counted).</summary>
    private bool TakeConnectionToken(EndPoint? remote)
    {
        if (rateLimiters.ClientConnections is not { } limiter || remote is not IPEndPoint { Address: var address })
        {
            return true;
        }

        var peer = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var proxy in _trustedProxies)
        {
            if (proxy.Contains(peer))
            {
                return true;
            }
        }

        using var lease = limiter.AttemptAcquire(ClientAddresses.PartitionKey(peer));
        return lease.IsAcquired;
    }

    private static List<IPNetwork> TrustedProxies(EdgeOptions options)
    {
        ClientAddresses.TryParseNetworks(options.TrustedProxies, out var networks, out _);
        return networks;
    }
}
