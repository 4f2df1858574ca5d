using AiCdn.Common.Streams;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// Sends a resume (<c>GET /v1/streams/{id}</c>, or any request with <c>Last-Event-ID</c>) to the core
/// that holds the stream, whichever edge it arrives at: the core this edge has seen serving that
/// stream's node first, then every other core, until one has it. A core without the stream answers
/// 404; that answer reaches the client only when no core is left to ask.
/// </summary>
public sealed class ResumeRoutingMiddleware(RequestDelegate next, CoreNodeDirectory nodes)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!TryGetStreamId(context.Request, out var streamId) || !StreamId.TryParse(streamId, out var nodeId))
        {
            await next(context);
            return;
        }

        var proxy = context.GetReverseProxyFeature();
        var candidates = Order(proxy.AvailableDestinations, nodes.AuthorityOf(nodeId));
        var routing = new ResumeRoutingFeature();
        context.Features.Set(routing);
        for (var i = 0; i < candidates.Count; i++)
        {
            routing.MoreCandidates = i < candidates.Count - 1;
            routing.NotHere = false;
            proxy.AvailableDestinations = [candidates[i]];
            await next(context);
            if (!routing.NotHere || context.Response.HasStarted)
            {
                return;
            }

            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature?>(null);
            if (context.Request.Body.CanSeek)
            {
                context.Request.Body.Position = 0;
            }
        }
    }

    private static bool TryGetStreamId(HttpRequest request, out string streamId)
    {
        streamId = string.Empty;
        if (HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments("/v1/streams", out var rest)
            && rest.Value is { Length: > 1 } id && id.IndexOf('/', 1) < 0)
        {
            streamId = id[1..];
            return true;
        }

        return request.Headers[StreamId.LastEventIdHeader] is { Count: > 0 } lastEventId
            && StreamId.TryParseEventId(lastEventId[0], out streamId, out _);
    }

    private static List<DestinationState> Order(IReadOnlyList<DestinationState> destinations, string? knownAuthority)
    {
        var ordered = new List<DestinationState>(destinations.Count);
        foreach (var destination in destinations)
        {
            if (knownAuthority is not null && IsAt(destination, knownAuthority))
            {
                ordered.Insert(0, destination);
            }
            else
            {
                ordered.Add(destination);
            }
        }

        return ordered;
    }

    private static bool IsAt(DestinationState destination, string authority) =>
        Uri.TryCreate(destination.Model.Config.Address, UriKind.Absolute, out var address)
        && string.Equals(address.Authority, authority, StringComparison.OrdinalIgnoreCase);
}
