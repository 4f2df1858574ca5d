using AiCdn.Common.Errors;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.CoreRelay.Telemetry;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Step 1 of every API request: only edges may call. An edge proves itself with a client
/// certificate that chained to the core's CA during the TLS handshake (mutual TLS), or with the
/// cluster signature on plain-HTTP links (bound to this request's method, path, query, key and
/// client address, and never accepted twice).
/// </summary>
public sealed class EdgeAuthenticationMiddleware(RequestDelegate next, ClusterSignature signature, AdmissionRejections rejections, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        var start = time.GetTimestamp();
        context.Features.Set(new CoreRequestFeature(start, AccessLog.RequestId(context), ApiRoutes.Label(context.Request.Path)));
        if (context.Connection.ClientCertificate is null && !signature.Verify(context.Request))
        {
            return rejections.RejectAsync(context, OpenAiErrors.Forbidden("The core relay only accepts requests from AiCdn edges."));
        }

        return next(context);
    }
}
