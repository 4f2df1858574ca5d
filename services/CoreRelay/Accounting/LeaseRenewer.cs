using System.Collections.Concurrent;
using AiCdn.CoreRelay.Quota;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// Keeps the reservations (and concurrent-stream leases) of long streams alive: auth-quota releases
/// an unsettled reservation after its TTL so a crashed relay cannot hold a lease forever; a stream
/// that legitimately runs longer renews it. One sweep renews every reservation older than the
/// interval, so there is no timer per stream.
/// </summary>
public sealed partial class LeaseRenewer(
    QuotaDecisions quota,
    TimeProvider time,
    IOptions<CoreRelayOptions> options,
    ILogger<LeaseRenewer> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _active = new(StringComparer.Ordinal);

    public int Count => _active.Count;

    public void Track(string reservationId) => _active[reservationId] = time.GetUtcNow();

    public void Forget(string reservationId) => _active.TryRemove(reservationId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.LeaseRenewInterval;
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RenewDueAsync(interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Renews every tracked reservation last renewed at least <paramref name="age"/> ago.</summary>
    public async Task RenewDueAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var (reservationId, renewedAt) in _active)
        {
            if (now - renewedAt < age)
            {
                continue;
            }

            var result = await quota.RenewAsync(reservationId, cancellationToken);
            if (result is RenewResult.Renewed)
            {
                _active.TryUpdate(reservationId, now, renewedAt);
            }
            else if (result is RenewResult.Gone)
            {
                _active.TryRemove(reservationId, out _);
                LogGone(logger, reservationId);
            }
        }
    }

    [LoggerMessage(EventId = 40, EventName = "ReservationExpiredMidStream", Level = LogLevel.Warning, Message = "Reservation {ReservationId} expired before its stream ended; its lease was released by auth-quota.")]
    private static partial void LogGone(ILogger logger, string reservationId);
}
