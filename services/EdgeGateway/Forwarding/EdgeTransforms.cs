using AiCdn.Common.Security;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// What the edge adds to every request it relays: the cluster signature and the client-traffic
/// marker. The request id is settled earlier (<see cref="Telemetry.RequestIds"/>) and travels as a
/// request header; X-Forwarded-For/Proto and W3C trace context are YARP's defaults.
/// </summary>
public sealed class EdgeTransforms(ClusterSignature signature) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(transform =>
        {
            var proxyRequest = transform.ProxyRequest;
            var headers = proxyRequest.Headers;

            // A client cannot present its own signature: whatever it sent is replaced. The method is
            // the one the core will see: a WebSocket upgrade becomes CONNECT over HTTP/2 (RFC 8441).
            headers.Remove(ClusterSignature.HeaderName);
            var path = transform.Path.HasValue ? transform.Path.Value! : "/";
            headers.TryAddWithoutValidation(ClusterSignature.HeaderName, signature.Create(proxyRequest.Method.Method, path));

            proxyRequest.Options.Set(CoreLinkRequest.Key, CoreLinkRequest.Proxied);
            return ValueTask.CompletedTask;
        });

        context.AddResponseTransform(transform =>
        {
            var response = transform.ProxyResponse;
            if (response is null)
            {
                return ValueTask.CompletedTask;
            }

            if (response.RequestMessage?.Options.TryGetValue(CoreLinkHandler.CoreLatencyKey, out var coreLatency) == true
                && transform.HttpContext.Features.Get<Telemetry.EdgeRequestFeature>() is { } request)
            {
                request.CoreLatency = coreLatency;
            }

            // A resume asked of a core that does not hold the stream: ask the next core instead.
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound
                && transform.HttpContext.Features.Get<ResumeRoutingFeature>() is { MoreCandidates: true } routing)
            {
                routing.NotHere = true;
                transform.SuppressResponseBody = true;
            }

            return ValueTask.CompletedTask;
        });
    }
}
