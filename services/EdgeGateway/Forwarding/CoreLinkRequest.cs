namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// Marks a request to a core as client traffic (not a health probe), so <see cref="CoreLinkHandler"/>
/// measures it and makes its event stream drain-aware. Two shared instances: no allocation per request.
/// </summary>
public sealed class CoreLinkRequest
{
    public static readonly HttpRequestOptionsKey<CoreLinkRequest> Key = new("AiCdn.Edge.CoreLinkRequest");

    /// <summary>A client request relayed by YARP: its stream is one of the edge's open SSE streams.</summary>
    public static readonly CoreLinkRequest Proxied = new(countsAsClientStream: true);

    /// <summary>A WebSocket chat message turned into a streamed request: the socket is the client's stream.</summary>
    public static readonly CoreLinkRequest WebSocketChat = new(countsAsClientStream: false);

    private CoreLinkRequest(bool countsAsClientStream) => CountsAsClientStream = countsAsClientStream;

    public bool CountsAsClientStream { get; }
}
