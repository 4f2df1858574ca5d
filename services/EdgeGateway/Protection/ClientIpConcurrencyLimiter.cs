using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;

namespace AiCdn.EdgeGateway.Protection;

/// <summary>
/// How many requests (streams, sockets) one client partition may hold open: a
/// <see cref="ConcurrencyLimiter"/> per partition, without a queue (the edge answers 429 at once).
/// Concurrency involves no clock; partitions with nothing open are dropped by <see cref="RemoveIdle"/>.
/// </summary>
public sealed class ClientIpConcurrencyLimiter(int permitLimit) : PartitionedRateLimiter<IPAddress>
{
    private readonly ConcurrentDictionary<IPAddress, ConcurrencyLimiter> _limiters = new();

    public int Partitions => _limiters.Count;

    public override RateLimiterStatistics? GetStatistics(IPAddress resource) =>
        _limiters.TryGetValue(resource, out var limiter) ? limiter.GetStatistics() : null;

    public void RemoveIdle()
    {
        foreach (var (address, limiter) in _limiters)
        {
            if (limiter.GetStatistics()?.CurrentAvailablePermits == permitLimit && _limiters.TryRemove(new KeyValuePair<IPAddress, ConcurrencyLimiter>(address, limiter)))
            {
                // A lease taken from it in this instant still releases into it harmlessly; only the
                // next request's count starts afresh.
                limiter.Dispose();
            }
        }
    }

    protected override RateLimitLease AttemptAcquireCore(IPAddress resource, int permitCount) =>
        Limiter(resource).AttemptAcquire(permitCount);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(IPAddress resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Limiter(resource).AttemptAcquire(permitCount));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var limiter in _limiters.Values)
            {
                limiter.Dispose();
            }

            _limiters.Clear();
        }
    }

    private ConcurrencyLimiter Limiter(IPAddress resource) =>
        _limiters.GetOrAdd(resource, static (_, limit) => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = limit,
            QueueLimit = 0,
        }), permitLimit);
}
