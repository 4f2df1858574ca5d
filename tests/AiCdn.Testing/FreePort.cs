using System.Net;
using System.Net.Sockets;

namespace AiCdn.Testing;

public static class FreePort
{
    /// <summary>A TCP port free on loopback at the time of the call.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
