using System.Net;
using System.Net.Sockets;
using System.Text;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Forwarding.Connections;
using AiCdn.Forwarding.Health;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>Both hops' YARP handlers: the settings each hop gives, and sockets opened the same way on a real loopback connection.</summary>
public sealed class HopHttpClientFactoryTests
{
    private static readonly HopConnectionSettings s_settings = new()
    {
        KeepAlivePingDelay = TimeSpan.FromSeconds(7),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(3),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(4),
    };

    [Fact]
    public void ConfigureHandler_Settings_Applied()
    {
        var settings = s_settings with
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionLifetime = TimeSpan.FromMinutes(9),
        };

        using var handler = new TestFactory(settings).Configure();

        Assert.Equal(TimeSpan.FromSeconds(2), handler.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), handler.KeepAlivePingDelay);
        Assert.Equal(TimeSpan.FromSeconds(3), handler.KeepAlivePingTimeout);
        Assert.Equal(HttpKeepAlivePingPolicy.WithActiveRequests, handler.KeepAlivePingPolicy);
        Assert.Equal(TimeSpan.FromMinutes(4), handler.PooledConnectionIdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(9), handler.PooledConnectionLifetime);
        Assert.NotNull(handler.RequestHeaderEncodingSelector);
        Assert.NotNull(handler.ConnectCallback);
    }

    [Fact]
    public void ConfigureHandler_NoLifetimeOrConnectTimeout_HandlerDefaultsKept()
    {
        using var defaults = new SocketsHttpHandler();

        using var handler = new TestFactory(s_settings).Configure();

        Assert.Equal(defaults.ConnectTimeout, handler.ConnectTimeout);
        Assert.Equal(defaults.PooledConnectionLifetime, handler.PooledConnectionLifetime);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Connect_Loopback_NagleOffAndTcpKeepAliveAsAsked(bool tcpKeepAlive)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var answered = AnswerOnceAsync(listener);
        var factory = new TestFactory(s_settings with { TcpKeepAlive = tcpKeepAlive, TcpConnectTimeout = TimeSpan.FromSeconds(10) });
        using var client = new HttpMessageInvoker(factory.Configure());

        using var response = await client.SendAsync(Get(((IPEndPoint)listener.LocalEndpoint).Port), Timeouts.Token());
        await answered;

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var socket = Assert.Single(factory.Sockets);
        Assert.True(socket.NoDelay);
        Assert.Equal(tcpKeepAlive, socket.TcpKeepAlive);
    }

    [Fact]
    public async Task Connect_TcpConnectTimeoutRunsOut_UnreachableConnectionError()
    {
        using var listener = await FullListener.StartAsync();
        var factory = new TestFactory(s_settings with { TcpConnectTimeout = TimeSpan.FromMilliseconds(200) });
        using var client = new HttpMessageInvoker(factory.Configure());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Get(listener.Port), Timeouts.Token()));

        Assert.Equal(SocketError.TimedOut, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
        Assert.True(HopFaults.IsUnreachable(error));
        Assert.Empty(factory.Sockets);
    }

    private static HttpRequestMessage Get(int port) => new(HttpMethod.Get, $"http://127.0.0.1:{port}/health");

    private static async Task AnswerOnceAsync(TcpListener listener)
    {
        using var connection = await listener.AcceptTcpClientAsync(Timeouts.Token());
        var stream = connection.GetStream();
        var buffer = new byte[4096];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, Timeouts.Token());
            Assert.NotEqual(0, read);
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray(), Timeouts.Token());
    }

    private sealed record OpenedSocket(bool NoDelay, bool TcpKeepAlive);

    private sealed class TestFactory(HopConnectionSettings settings) : HopHttpClientFactory(NullLogger<ForwarderHttpClientFactory>.Instance)
    {
        public List<OpenedSocket> Sockets { get; } = [];

        protected override HopConnectionSettings ConnectionSettings => settings;

        public SocketsHttpHandler Configure()
        {
            var handler = new SocketsHttpHandler();
            ConfigureHandler(new ForwarderHttpClientContext { ClusterId = "next", OldConfig = HttpClientConfig.Empty, NewConfig = HttpClientConfig.Empty }, handler);
            return handler;
        }

        protected override Stream OpenStream(Socket socket)
        {
            Sockets.Add(new OpenedSocket(socket.NoDelay, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)! != 0));
            return base.OpenStream(socket);
        }
    }

    /// <summary>
    /// A loopback listener that never accepts, with its accept queue filled: the kernel drops further
    /// SYNs, so a connect to it neither succeeds nor is refused until it gives up.
    /// </summary>
    private sealed class FullListener : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _queued = [];

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        public static async Task<FullListener> StartAsync()
        {
            var full = new FullListener();
            full._listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            full._listener.Listen(0);
            for (var i = 0; i < 16; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                full._queued.Add(socket);
                using var pending = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    await socket.ConnectAsync(full._listener.LocalEndPoint!, pending.Token);
                }
                catch (OperationCanceledException)
                {
                    return full;
                }
            }

            full.Dispose();
            throw new InvalidOperationException("The listener's accept queue never filled: this kernel answers connects beyond the backlog.");
        }

        public void Dispose()
        {
            foreach (var socket in _queued)
            {
                socket.Dispose();
            }

            _listener.Dispose();
        }
    }
}
