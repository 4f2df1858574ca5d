using AiCdn.Common.Security;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>What the edge adds to every request it relays: the cluster signature and a request id.</summary>
public sealed class EdgeTransforms(ClusterSignature signature) : ITransformProvider
{
    public const string RequestIdHeader = "x-request-id";

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
            var headers = transform.ProxyRequest.Headers;

            // A client cannot present its own signature: whatever it sent is replaced.
            headers.Remove(ClusterSignature.HeaderName);
            var path = transform.Path.HasValue ? transform.Path.Value! : "/";
            headers.TryAddWithoutValidation(ClusterSignature.HeaderName, signature.Create(transform.HttpContext.Request.Method, path));

            if (!transform.HttpContext.Request.Headers.ContainsKey(RequestIdHeader))
            {
                headers.TryAddWithoutValidation(RequestIdHeader, transform.HttpContext.TraceIdentifier);
            }

            return ValueTask.CompletedTask;
        });
    }
}
