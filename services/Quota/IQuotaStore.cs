namespace AiCdn.Quota;

/// <summary>
/// Where quota counters live. Every method is one atomic step in the store (a Lua script in Redis,
/// one lock in memory), so limits hold exactly however many replicas call at once. Time is always
/// the caller's (<see cref="TimeProvider"/>), never the store's clock.
/// Implementations throw <see cref="Storage.QuotaStoreUnavailableException"/> when the store cannot answer.
/// </summary>
public interface IQuotaStore
{
    ValueTask<ReserveResult> ReserveAsync(ReserveCommand command, CancellationToken cancellationToken);

    ValueTask<SettleOutcome> SettleAsync(SettleCommand command, CancellationToken cancellationToken);

    /// <summary>Extends an open reservation (and its stream lease) to <paramref name="ttl"/> from now; false when it is gone.</summary>
    ValueTask<bool> RenewAsync(string reservationId, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Adds tokens to an open reservation if every token limit has room (see <see cref="ExtendCommand"/>).</summary>
    ValueTask<ExtendOutcome> ExtendAsync(ExtendCommand command, CancellationToken cancellationToken);

    ValueTask<QuotaReadings> ReadUsageAsync(UsageQuery query, CancellationToken cancellationToken);
}
