using System.Collections.Concurrent;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>
/// Origins that answered 429 with <c>Retry-After</c> are left alone until that time has passed,
/// instead of being hammered by the next request.
/// </summary>
public sealed class OriginCooldowns(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    public void CoolDown(string destinationId, TimeSpan delay)
    {
        var until = time.GetUtcNow() + delay;
        _until.AddOrUpdate(destinationId, until, (_, existing) => existing > until ? existing : until);
    }

    public bool IsCoolingDown(string destinationId, out TimeSpan remaining)
    {
        remaining = TimeSpan.Zero;
        if (!_until.TryGetValue(destinationId, out var until))
        {
            return false;
        }

        remaining = until - time.GetUtcNow();
        if (remaining > TimeSpan.Zero)
        {
            return true;
        }

        _until.TryRemove(KeyValuePair.Create(destinationId, until));
        return false;
    }
}
