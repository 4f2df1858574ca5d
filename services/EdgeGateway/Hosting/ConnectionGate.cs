using AiCdn.EdgeGateway.Telemetry;
using Microsoft.AspNetCore.Connections;

namespace AiCdn.EdgeGateway.Hosting;

/// <summary>
/// Counts open client connections (<c>aicdn.connections.active</c>) and enforces
/// <c>MAX_CONNECTIONS</c> (as <see cref="ConnectionLimits"/> holds it) over all public listeners. A connection over the limit is not dropped
/// silently: it is marked, and its first request is answered with an OpenAI-style 503 and the
/// connection closed (<see cref="Protection.RequestLimitsMiddleware"/>). Kestrel's own connection
/// limit sits a little above ours as the hard backstop. The management listener is counted but never limited.
/// </summary>
public sealed class ConnectionGate(ConnectionLimits limits, EdgeMetrics metrics)
{
    private long _open;

    /// <summary>Public connections open now.</summary>
    public long Open => Interlocked.Read(ref _open);

    /// <summary>Kestrel's hard limit: room above ours to answer the excess with a 503 before refusing outright.</summary>
    public static long HardLimit(int maxConnections) => maxConnections + Math.Max(16L, maxConnections / 10L);

    public Func<ConnectionDelegate, ConnectionDelegate> For(ListenerKind listener) => next => connection => TrackAsync(next, connection, listener);

    private async Task TrackAsync(ConnectionDelegate next, ConnectionContext connection, ListenerKind listener)
    {
        var limited = listener != ListenerKind.Management;
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
}
