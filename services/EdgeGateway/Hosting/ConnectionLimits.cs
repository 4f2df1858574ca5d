using AiCdn.Common.Hosting;
using AiCdn.EdgeGateway.Forwarding;

namespace AiCdn.EdgeGateway.Hosting;

/// <summary>
/// The client connections this edge holds: <c>MAX_CONNECTIONS</c>, lowered when the process may not
/// open that many files. Each connection is a descriptor (two when the link to the cores is
/// HTTP/1.1, one socket per request); past the process's limit the edge could no longer open a
/// socket to a core, or a file the runtime needs, so a flood of connections would take every
/// request down with it instead of being refused.
/// </summary>
/// <param name="Soft">Connections served; those above it get 503 <c>too_many_connections</c>.</param>
/// <param name="Hard">Kestrel's limit, a little above: connections above it are closed unanswered.</param>
/// <param name="OpenFiles">The process's open-file limit, when known.</param>
public sealed record ConnectionLimits(int Soft, long Hard, long? OpenFiles)
{
    public static ConnectionLimits For(EdgeOptions options, long? openFiles)
    {
        var configured = options.Limits.MaxConnections;
        var hard = ConnectionGate.HardLimit(configured);
        if (openFiles is { } limit)
        {
            var perConnection = CoreTransports.TryParse(options.CoreTransport, out var transport) && transport == CoreTransport.Http1 ? 2 : 1;
            hard = Math.Min(hard, OpenFileLimit.ConnectionBudget(limit, perConnection));
        }

        var soft = (int)Math.Min(configured, hard - Math.Max(16, hard / 11));
        return new ConnectionLimits(Math.Max(1, soft), hard, openFiles);
    }

    /// <summary>Whether the open-file limit lowered <c>MAX_CONNECTIONS</c>.</summary>
    public bool LoweredFrom(int configured) => Soft < configured;
}
