using Yarp.ReverseProxy.Model;

namespace AiCdn.Forwarding.Failover;

/// <summary>Which destinations a hop may try next, when a restarted destination may answer before its health is known again.</summary>
public static class FailoverCandidates
{
    /// <summary>
    /// The healthy destinations not yet tried; once those are used up, the ones marked down: trying a
    /// destination marked down costs one refused connection, while giving up costs the client its request.
    /// Returns <paramref name="healthy"/> itself (no copy) before the first failure.
    /// </summary>
    public static IReadOnlyList<DestinationState> Untried(
        IReadOnlyList<DestinationState> healthy,
        IReadOnlyList<DestinationState> all,
        List<DestinationState>? tried)
    {
        if (tried is null || tried.Count == 0)
        {
            return healthy.Count > 0 ? healthy : all;
        }

        var candidates = new List<DestinationState>(all.Count);
        AddUntried(candidates, healthy, tried);
        if (candidates.Count == 0)
        {
            AddUntried(candidates, all, tried);
        }

        return candidates;
    }

    private static void AddUntried(List<DestinationState> candidates, IReadOnlyList<DestinationState> from, List<DestinationState> tried)
    {
        foreach (var destination in from)
        {
            if (!tried.Contains(destination))
            {
                candidates.Add(destination);
            }
        }
    }
}
