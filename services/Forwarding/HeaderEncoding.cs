using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AiCdn.Forwarding;

/// <summary>
/// Header values travel between hops as UTF-8, the way Kestrel reads them by default (ASCII, else
/// UTF-8). Without it, a client header such as <c>User-Agent: MyApp (Zürich)</c> was accepted by the
/// edge and then refused by its own HTTP client to the core (a 502 the client did not cause), and
/// an origin's non-ASCII response header could not be written back.
/// </summary>
public static class HeaderEncoding
{
    public static void UseUtf8(SocketsHttpHandler handler)
    {
        handler.RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8;
        handler.ResponseHeaderEncodingSelector = static (_, _) => Encoding.UTF8;
    }

    public static void UseUtf8(KestrelServerOptions kestrel)
    {
        kestrel.RequestHeaderEncodingSelector = static _ => Encoding.UTF8;
        kestrel.ResponseHeaderEncodingSelector = static _ => Encoding.UTF8;
    }
}
