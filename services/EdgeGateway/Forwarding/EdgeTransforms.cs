using AiCdn.Common.Security;
using AiCdn.EdgeGateway.Streaming;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// What the edge adds to every request it relays: the client's address (X-Forwarded-For/Proto),
/// the cluster signature over it and the client-traffic marker. The request id is settled earlier
/// (<see cref="Telemetry.RequestIds"/>) and travels as a request header; W3C trace context is YARP's.
/// </summary>
public sealed class EdgeTransforms(ClusterSignature signature, IOptions<EdgeOptions> options, TimeProvider time) : ITransformProvider
{
    private static readonly string[] s_replaced =
        [ClusterSignature.HeaderName, "Forwarded", ClusterSignature.ForwardedForHeader, "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix"];

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // The client address is set (and signed) here rather than by YARP's default forwarders.
        context.UseDefaultForwarders = false;
        context.AddRequestTransform(transform =>
        {
            var proxyRequest = transform.ProxyRequest;
            var headers = proxyRequest.Headers;
            var client = transform.HttpContext;

            // Whatever a client claims about addresses, or as a signature, is replaced.
            foreach (var name in s_replaced)
            {
                headers.Remove(name);
            }

            var forwardedFor = client.Connection.RemoteIpAddress?.ToString();
            if (forwardedFor is not null)
            {
                headers.TryAddWithoutValidation(ClusterSignature.ForwardedForHeader, forwardedFor);
            }

            headers.TryAddWithoutValidation("X-Forwarded-Proto", client.Request.Scheme);

            // One key per request: with several Authorization headers none is sent (the core answers 401).
            var authorization = client.Request.Headers.Authorization;
            if (authorization.Count > 1)
            {
                headers.Remove("Authorization");
            }

            // The signature binds what the core trusts: method (a WebSocket upgrade becomes CONNECT
            // over HTTP/2, RFC 8441, and is signed as the core will see it), path, query, key and
            // client address.
            var path = (transform.Path.HasValue ? transform.Path.Value! : "/") + transform.Query.QueryString.Value;
            headers.TryAddWithoutValidation(ClusterSignature.HeaderName,
                signature.Create(proxyRequest.Method.Method, path, authorization.Count == 1 ? authorization[0] : null, forwardedFor));

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

            // A stream the client reads as SSE gets comments while it is silent (WebSocket chat reads
            // the core itself and never gets them).
            var keepAlive = options.Value.SseKeepAliveInterval;
            if (keepAlive > TimeSpan.Zero && response.IsSuccessStatusCode
                && string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                var client = transform.HttpContext;
                var body = new SseKeepAliveStream(client.Response.Body, keepAlive, time, client.RequestAborted);
                client.Response.Body = body;
                client.Response.RegisterForDispose(body);
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
