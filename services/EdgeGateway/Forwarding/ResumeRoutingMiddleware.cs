using AiCdn.Common.Streams;
using AiCdn.Forwarding.Failover;
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
    : ProxyFailover<ResumeRoutingFeature>(next)
{
    protected override bool Handles(HttpContext context) =>
        TryGetStreamId(context.Request, out var streamId) && StreamId.TryParse(streamId, out _);

    protected override ValueTask<ResumeRoutingFeature?> BeginAsync(HttpContext context, IReadOnlyList<DestinationState> healthy, IReadOnlyList<DestinationState> all)
    {
        TryGetStreamId(context.Request, out var streamId);
        StreamId.TryParse(streamId, out var nodeId);
        var routing = new ResumeRoutingFeature(Order(FailoverCandidates.Untried(healthy, all, tried: null), nodes.AuthorityOf(nodeId)));
        context.Features.Set(routing);
        return ValueTask.FromResult<ResumeRoutingFeature?>(routing);
    }

    /// <summary>One core per attempt, in the stream's order (a <see cref="DestinationState"/> is itself a one-item list).</summary>
    protected override IReadOnlyList<DestinationState> Candidates(
        ResumeRoutingFeature request, IReadOnlyList<DestinationState> healthy, IReadOnlyList<DestinationState> all, List<DestinationState>? tried)
    {
        foreach (var destination in request.Order)
        {
            if (tried?.Contains(destination) != true)
            {
                return destination;
            }
        }

        return [];
    }

    protected override Task NoCandidateAsync(HttpContext context, ResumeRoutingFeature request, IReadOnlyList<DestinationState> healthy) =>
        EdgeErrors.NoCore().ExecuteAsync(context);

    protected override void BeforeAttempt(HttpContext context, ResumeRoutingFeature request, int attempt, int candidates)
    {
        request.MoreCandidates = attempt < request.Order.Count;
        request.NotHere = false;
    }

    protected override string? RetryReason(HttpContext context, ResumeRoutingFeature request, IForwarderErrorFeature? error, int attempt) =>
        request.NotHere ? "not-here" : null;

    protected override void BeforeRetry(HttpContext context, ResumeRoutingFeature request, DestinationState failed, int attempt, string reason, IForwarderErrorFeature? error)
    {
        if (context.Request.Body.CanSeek)
        {
            context.Request.Body.Position = 0;
        }
    }

    /// <summary>The last core's answer stands: a 404 when none had the stream; errors are answered by <see cref="CoreFailoverMiddleware"/> after it.</summary>
    protected override Task EndAsync(HttpContext context, ResumeRoutingFeature request, IForwarderErrorFeature? error, DestinationState? destination) =>
        Task.CompletedTask;

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
