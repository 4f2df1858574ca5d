using AiCdn.Common.Security;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// An edge proves itself with a client certificate that chained to the core's CA during the TLS
/// handshake (mutual TLS), or with the shared-secret signature on plain-HTTP links.
/// </summary>
public static class EdgeAuthentication
{
    public static bool IsEdge(HttpContext context, ClusterSignature signature) =>
        context.Connection.ClientCertificate is not null
        || signature.Verify(context.Request.Headers[ClusterSignature.HeaderName], context.Request.Method, context.Request.Path.Value ?? "/");
}
