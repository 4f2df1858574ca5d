namespace AiCdn.EdgeGateway.Hosting;

/// <summary>
/// Set on every TCP connection by <see cref="ConnectionGate"/>; Kestrel exposes connection features
/// through each request's feature collection (HTTP/1.1 and HTTP/2 alike).
/// </summary>
public sealed class EdgeConnectionFeature(ListenerKind listener, bool overLimit)
{
    public ListenerKind Listener { get; } = listener;

    /// <summary>The connection arrived while <c>MAX_CONNECTIONS</c> were open: its requests get 503.</summary>
    public bool OverLimit { get; } = overLimit;
}
