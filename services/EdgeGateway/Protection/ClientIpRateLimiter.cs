using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;

namespace AiCdn.EdgeGateway.Protection;

/// <summary>
/// One <see cref="TimeProviderTokenBucket"/> per client partition (<see cref="ClientAddresses.PartitionKey"/>).
/// Buckets that have refilled and sat unused are dropped by <see cref="RemoveIdle"/>, so memory
/// follows the number of active clients, not every address ever seen.
/// </summary>
public sealed class ClientIpRateLimiter(int tokenLimit, double tokensPerSecond, TimeProvider time) : PartitionedRateLimiter<IPAddress>
{
    private readonly ConcurrentDictionary<IPAddress, TimeProviderTokenBucket> _buckets = new();

    public int Partitions => _buckets.Count;

    public override RateLimiterStatistics? GetStatistics(IPAddress resource) =>
        _buckets.TryGetValue(resource, out var bucket) ? bucket.GetStatistics() : null;

    /// <summary>Drops buckets full and untouched for at least <paramref name="idleFor"/>.</summary>
    public void RemoveIdle(TimeSpan idleFor)
    {
        foreach (var (address, bucket) in _buckets)
        {
            if (bucket.IdleDuration >= idleFor && _buckets.TryRemove(new KeyValuePair<IPAddress, TimeProviderTokenBucket>(address, bucket)))
            {
                bucket.Dispose();
            }
        }
    }

    protected override RateLimitLease AttemptAcquireCore(IPAddress resource, int permitCount) =>
        Bucket(resource).AttemptAcquire(permitCount);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(IPAddress resource, int permitCount, CancellationToken cancellationToken) =>
        Bucket(resource).AcquireAsync(permitCount, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var bucket in _buckets.Values)
            {
                bucket.Dispose();
            }

            _buckets.Clear();
        }
    }

    private TimeProviderTokenBucket Bucket(IPAddress resource) =>
        _buckets.GetOrAdd(resource, static (_, state) => new TimeProviderTokenBucket(state.tokenLimit, state.tokensPerSecond, state.time), (tokenLimit, tokensPerSecond, time));
}
