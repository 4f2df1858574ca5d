using System.Collections.Concurrent;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// Which core (by address) holds the streams of which core node, learnt from the stream ids of the
/// responses this edge relayed. A resume for a node this edge has not seen yet is tried on every core.
/// </summary>
public sealed class CoreNodeDirectory
{
    private const int MaxNodes = 4096;

    private readonly ConcurrentDictionary<string, string> _authorityByNode = new(StringComparer.Ordinal);

    /// <summary>Called for every resumable stream relayed: a lookup, and a write only when something changed.</summary>
    public void Learn(string nodeId, Uri coreAddress)
    {
        var authority = coreAddress.Authority;
        if (_authorityByNode.TryGetValue(nodeId, out var known))
        {
            if (!string.Equals(known, authority, StringComparison.Ordinal))
            {
                _authorityByNode[nodeId] = authority;
            }
        }
        else if (_authorityByNode.Count < MaxNodes)
        {
            _authorityByNode.TryAdd(nodeId, authority);
        }
    }

    public string? AuthorityOf(string nodeId) => _authorityByNode.TryGetValue(nodeId, out var authority) ? authority : null;
}
