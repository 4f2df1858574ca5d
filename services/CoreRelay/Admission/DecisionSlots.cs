using System.Threading.RateLimiting;
using AiCdn.CoreRelay.Telemetry;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Caps the quota decisions in flight (<see cref="CoreRelayOptions.MaxPendingDecisions"/>). Each
/// waits on Redis or auth-quota; past the cap, another one would only wait behind the others, and on
/// a saturated machine that wait grew to seconds (and into auth-quota's timeout, answered as
/// <c>auth_unavailable</c>). Refused instead, it is answered at once with 503 <c>overloaded</c>,
/// before anything is reserved. Only the decision holds a slot: never a body upload or a stream.
/// </summary>
public sealed class DecisionSlots : IDisposable
{
    private readonly ConcurrencyLimiter? _limiter;
    private readonly int _cap;

    public DecisionSlots(IOptions<CoreRelayOptions> options, CoreRelayMetrics metrics)
    {
        _cap = options.Value.MaxPendingDecisions;
        if (_cap > 0)
        {
            _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = _cap, QueueLimit = 0 });
            metrics.ObserveDecisionsPending(() => _cap - (_limiter.GetStatistics()?.CurrentAvailablePermits ?? _cap));
        }
    }

    /// <summary>A slot for one decision (dispose it when the decision is made), or a lease that was not acquired.</summary>
    public RateLimitLease TryEnter() => _limiter?.AttemptAcquire() ?? Unlimited.Lease;

    public void Dispose() => _limiter?.Dispose();

    private sealed class Unlimited : RateLimitLease
    {
        public static readonly Unlimited Lease = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
