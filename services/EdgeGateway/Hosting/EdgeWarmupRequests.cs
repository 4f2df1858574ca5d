using AiCdn.Common.Warmup;

namespace AiCdn.EdgeGateway.Hosting;

/// <summary>
/// The edge warms its first public listener (<see cref="EdgeListeners"/> binds a public one first
/// and the management listener last) over HTTP/1.1, as clients reach it. Its requests pass every
/// step of the edge's pipeline up to choosing a core (<see cref="Forwarding.WarmupStopMiddleware"/>).
/// A TLS-only edge is not warmed.
/// </summary>
public sealed class EdgeWarmupRequests : WarmupRequests
{
    public override IReadOnlyList<WarmupTarget> Targets(IReadOnlyCollection<string> serverAddresses) =>
        serverAddresses.Count > 0 && Loopback(serverAddresses.First()) is { } first
            ? [new WarmupTarget(first, System.Net.HttpVersion.Version11)]
            : [];
}
