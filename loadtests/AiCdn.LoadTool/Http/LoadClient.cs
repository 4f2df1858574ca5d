using System.Net;
using System.Net.Sockets;

namespace AiCdn.LoadTool.Http;

/// <summary>
/// HTTP senders for a run: one <see cref="SocketsHttpHandler"/> per source address, each binding its
/// sockets to that address before connecting. HTTP/1.1 by default, so every in-flight stream is one
/// TCP connection, which is what "50k concurrent connections" means; HTTP/2 (prior knowledge) on request.
/// </summary>
public sealed class LoadClient : IDisposable
{
    // Linux: let bind() pick only the address and leave the port to connect(), so a source address
    // shares its ephemeral ports across destinations (4-tuple uniqueness) instead of reserving one per socket.
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    private readonly HttpMessageInvoker[] _invokers;
    private long _next = -1;

    public LoadClient(IReadOnlyList<IPAddress> sources, bool http2)
    {
        Http2 = http2;
        _invokers = sources.Count == 0
            ? [new HttpMessageInvoker(CreateHandler(null), disposeHandler: true)]
            : sources.Select(s => new HttpMessageInvoker(CreateHandler(s), disposeHandler: true)).ToArray();
    }

    public bool Http2 { get; }

    public int Sources => _invokers.Length;

    /// <summary>Sends through the next source address in turn; the response is returned once its headers have arrived.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Version = Http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        var invoker = _invokers[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)_invokers.Length)];
        return invoker.SendAsync(request, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var invoker in _invokers)
        {
            invoker.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(IPAddress? source)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),

            // Responses are read as they arrive; a held stream keeps only the handler's small buffer.
            MaxResponseDrainSize = 0,
        };

        if (source is not null)
        {
            handler.ConnectCallback = (context, cancellationToken) => ConnectFromAsync(source, context.DnsEndPoint, cancellationToken);
        }

        return handler;
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress source, DnsEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
            }

            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(target, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
