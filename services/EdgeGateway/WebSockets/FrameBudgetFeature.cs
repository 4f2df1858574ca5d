namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>A chat socket's frame count (<see cref="FrameBudgetMiddleware"/>): its stream, once upgraded.</summary>
public sealed class FrameBudgetFeature(Func<Stream, FrameBudgetStream> create)
{
    /// <summary>The counting stream the socket reads from; null until the request is upgraded.</summary>
    public FrameBudgetStream? Stream { get; private set; }

    internal Stream Wrap(Stream upgraded) => Stream = create(upgraded);
}
