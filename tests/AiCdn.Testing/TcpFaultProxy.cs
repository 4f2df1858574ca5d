using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AiCdn.Testing;

/// <summary>
/// A TCP relay on loopback standing in for the network between two hops: bytes pass unchanged
/// until the test cuts every connection (reset, as a failing link does). New connections are
/// accepted again right after a cut, so the hop in front can reconnect, unless the test kills it
/// (then the port refuses connections, as a dead process's does).
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private volatile IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, (Socket Client, Socket Server)> _pairs = new();
    private readonly Task _accepting;
    private int _nextId;
    private int _accepted;
    private volatile bool _killed;

    public TcpFaultProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Address { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections open now.</summary>
    public int Open => _pairs.Count;

    /// <summary>New connections go to <paramref name="target"/> from now on (a hop restarted at the same address, in effect).</summary>
    public void Retarget(Uri target) => _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);

    /// <summary>As a killed process looks: every connection reset, and the port refuses new ones.</summary>
    public void Kill()
    {
        _killed = true;
        _listener.Stop();
        CutAll();
    }

    /// <summary>Resets every open connection on both sides.</summary>
    public int CutAll()
    {
        var cut = 0;
        foreach (var (id, pair) in _pairs)
        {
            if (_pairs.TryRemove(id, out _))
            {
                Reset(pair.Client);
                Reset(pair.Server);
                cut++;
            }
        }

        return cut;
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0: close with RST, as a dropped link looks to both ends.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested || _killed)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception)
        {
            Reset(client);
            server.Dispose();
            return;
        }

        var id = Interlocked.Increment(ref _nextId);
        _pairs[id] = (client, server);
        await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));
        if (_pairs.TryRemove(id, out _))
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception)
        {
            // Cut or closed: the other direction ends too.
            Reset(from);
            Reset(to);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (!_killed)
        {
            _listener.Stop();
        }

        CutAll();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
