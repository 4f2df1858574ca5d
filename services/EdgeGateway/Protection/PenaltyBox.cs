using System.Collections.Concurrent;
using System.Net;

namespace AiCdn.EdgeGateway.Protection;

/// <summary>
/// Client partitions (<see cref="ClientAddresses.PartitionKey"/>) refused something for a while
/// because they abused it: a client whose chat socket was closed for a frame flood may not open
/// another until its time is up, so it cannot reopen flooding sockets as fast as the per-client
/// rate allows (each costs the edge about 12 ms of CPU; docs/perf/websocket-floods.md). Holds at
/// most <paramref name="capacity"/> clients: past it, new offenders are not held (the per-client
/// limits still apply), so rotating addresses cannot grow it without bound.
/// </summary>
public sealed class PenaltyBox(TimeSpan duration, int capacity, TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _until = new();

    /// <summary>Clients held now (expired ones until the next sweep).</summary>
    public int Count => _until.Count;

    /// <summary>Holds <paramref name="client"/> for the box's duration from now.</summary>
    public void Hold(IPAddress client)
    {
        if (_until.Count < capacity || _until.ContainsKey(client))
        {
            _until[client] = time.GetUtcNow() + duration;
        }
    }

    /// <summary>Whether <paramref name="client"/> is held now, and for how much longer.</summary>
    public bool IsHeld(IPAddress client, out TimeSpan left)
    {
        left = TimeSpan.Zero;
        if (!_until.TryGetValue(client, out var until))
        {
            return false;
        }

        left = until - time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            return true;
        }

        _until.TryRemove(new KeyValuePair<IPAddress, DateTimeOffset>(client, until));
        left = TimeSpan.Zero;
        return false;
    }

    /// <summary>Forgets clients whose time is up.</summary>
    public void RemoveExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (client, until) in _until)
        {
            if (until <= now)
            {
                _until.TryRemove(new KeyValuePair<IPAddress, DateTimeOffset>(client, until));
            }
        }
    }
}
