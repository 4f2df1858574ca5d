using System.Net.Sockets;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// Opens TCP connections to cores: Nagle off (SSE chunks are small and must leave at once), TCP
/// keep-alive on, and a connect timeout that fails as a connection error, which
/// <see cref="CoreFailoverMiddleware"/> may retry on another core (nothing was sent yet).
/// </summary>
public static class CoreSockets
{
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connector(TimeSpan connectTimeout) =>
        async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(connectTimeout);
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }

                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}
