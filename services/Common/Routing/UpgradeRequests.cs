using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AiCdn.Common.Routing;

/// <summary>
/// Whether a request asks to become a socket: an HTTP/1.1 Upgrade or an HTTP/2 extended CONNECT
/// (RFC 8441). Read from the server's own features, so it holds on hops that do not run the
/// WebSocket middleware (the core); what follows the headers is then a stream, not a body.
/// </summary>
public static class UpgradeRequests
{
    public static bool Is(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
        || context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true };
}
