using System.Threading.Channels;
using AiCdn.Quota;
using AiCdn.Quota.Storage;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Decisions;

/// <summary>
/// Reservations nobody will settle: a reserve that timed out (Redis may still run it when it
/// answers again) or one made after its caller left. Each is cancelled in the store, retried until
/// the store answers: one made is given back, one not made yet never will be. Without this, a
/// paused or slow Redis left orphaned reservations whose estimates stayed charged for work never done.
/// </summary>
public sealed partial class AbandonedReservations(
    IQuotaStore quota,
    IOptionsMonitor<AuthQuotaOptions> options,
    TimeProvider time,
    ILogger<AbandonedReservations> logger) : BackgroundService
{
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_maxRetry = TimeSpan.FromSeconds(5);

    private readonly Channel<(ReserveCommand Command, IQuotaStore Store)> _pending = Channel.CreateUnbounded<(ReserveCommand, IQuotaStore)>();

    /// <summary>Cancels <paramref name="command"/>'s reservation in <paramref name="store"/> (the shared store by default).</summary>
    public void Cancel(ReserveCommand command, IQuotaStore? store = null) => _pending.Writer.TryWrite((command, store ?? quota));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (command, store) in _pending.Reader.ReadAllAsync(stoppingToken))
            {
                await CancelAsync(command, store, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CancelAsync(ReserveCommand command, IQuotaStore store, CancellationToken stoppingToken)
    {
        var delay = s_firstRetry;
        var giveUpAt = time.GetUtcNow() + options.CurrentValue.ReservationTtl;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var outcome = await store.SettleAsync(
                    new SettleCommand(command.ReservationId, 0, Forwarded: false, time.GetUtcNow(), options.CurrentValue.ReservationTtl, command.Tenant, command.KeyId, Cancel: true),
                    stoppingToken);
                LogCancelled(logger, command.ReservationId, outcome.ToString());
                return;
            }
            catch (QuotaStoreUnavailableException) when (time.GetUtcNow() < giveUpAt)
            {
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxRetry.Ticks));
            }
            catch (QuotaStoreUnavailableException)
            {
                // Past the reservation's TTL it expired on its own (its estimate stays charged).
                LogGaveUp(logger, command.ReservationId);
                return;
            }
        }
    }

    [LoggerMessage(EventId = 60, EventName = "AbandonedReservationCancelled", Level = LogLevel.Information, Message = "Reservation {ReservationId}, abandoned by its caller, cancelled ({Outcome}).")]
    private static partial void LogCancelled(ILogger logger, string reservationId, string outcome);

    [LoggerMessage(EventId = 61, EventName = "AbandonedReservationNotCancelled", Level = LogLevel.Warning, Message = "Reservation {ReservationId}, abandoned by its caller, could not be cancelled before its TTL; its estimate stays charged.")]
    private static partial void LogGaveUp(ILogger logger, string reservationId);
}
