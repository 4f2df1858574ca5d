using AiCdn.Common.Errors;

namespace AiCdn.EdgeGateway.Hosting;

/// <summary>
/// Keeps the two faces of the edge apart by the listener a request arrived on, never by its Host
/// header (which a client chooses): public listeners serve only <see cref="PublicEndpointMetadata"/>
/// endpoints, the management listener only the others. Either way the rest get OpenAI's 404.
/// </summary>
public sealed class ListenerRoutingMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var management = IsManagement(context);
        var endpoint = context.GetEndpoint();
        if (endpoint is not null && (endpoint.Metadata.GetMetadata<PublicEndpointMetadata>() is null) != management)
        {
            return OpenAiErrors.UnknownPath(context.Request.Method, context.Request.Path.Value ?? "/").ExecuteAsync(context);
        }

        return next(context);
    }

    /// <summary>HTTP/3 connections carry no connection feature; they only exist on the public TLS listener.</summary>
    public static bool IsManagement(HttpContext context) =>
        context.Features.Get<EdgeConnectionFeature>()?.Listener == ListenerKind.Management;
}
