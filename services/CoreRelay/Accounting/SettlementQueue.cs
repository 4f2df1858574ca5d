using System.Diagnostics;
using System.Threading.Channels;
using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Admission;
using AiCdn.CoreRelay.Telemetry;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// Settles reservations off the request path: a finished response is not held open while
/// auth-quota records its usage. Failed settlements are retried with back-off; on shutdown the
/// queue is drained for a bounded time. A settlement that never lands is released by
/// auth-quota's reservation TTL, so a crash cannot leak a lease forever.
/// </summary>
public sealed partial class SettlementQueue(
    AuthQuotaClient authQuota,
    CoreRelayMetrics metrics,
    TimeProvider time,
    ILogger<SettlementQueue> logger) : BackgroundService
{
    private static readonly TimeSpan[] s_backoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>auth-quota's default reservation TTL: past it the reservation has expired anyway.</summary>
    private static readonly TimeSpan s_keepTrying = TimeSpan.FromMinutes(10);

    private readonly Channel<(SettleRequest Request, ActivityContext Parent)> _queue =
        Channel.CreateUnbounded<(SettleRequest, ActivityContext)>(new UnboundedChannelOptions { SingleReader = false });
    private int _pending;

    /// <summary>Settlements queued or in flight.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <param name="parent">The request's span: the settlement is traced as part of the request.</param>
    public void Enqueue(SettleRequest request, ActivityContext parent = default)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite((request, parent)))
        {
            Interlocked.Decrement(ref _pending);
            metrics.SettlementFailed();
            LogDropped(logger, request.ReservationId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A few workers: one slow settlement must not hold up the others.
        var workers = Enumerable.Range(0, 4).Select(_ => WorkAsync(stoppingToken)).ToArray();
        await Task.WhenAll(workers);
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (request, parent) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                using var activity = CoreRelayActivities.Source.StartActivity("settle", ActivityKind.Internal, parent);
                await SettleWithRetriesAsync(request, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);

        // Whatever is still queued gets one bounded chance before the process goes.
        using var drain = new CancellationTokenSource(s_drainTimeout, time);
        while (_queue.Reader.TryRead(out var item) && !drain.IsCancellationRequested)
        {
            using var activity = CoreRelayActivities.Source.StartActivity("settle", ActivityKind.Internal, item.Parent);
            await SettleOnceAsync(item.Request, drain.Token);
        }
    }

    private async Task SettleWithRetriesAsync(SettleRequest request, CancellationToken stoppingToken)
    {
        // Kept trying for as long as the reservation can live: a settlement that gives up early leaves
        // the estimate charged instead of what the origin really did.
        var giveUpAt = time.GetTimestamp() + (long)(s_keepTrying.TotalSeconds * time.TimestampFrequency);
        for (var attempt = 0; ; attempt++)
        {
            if (await authQuota.SettleAsync(request, stoppingToken))
            {
                Interlocked.Decrement(ref _pending);
                return;
            }

            if (time.GetTimestamp() >= giveUpAt)
            {
                Interlocked.Decrement(ref _pending);
                metrics.SettlementFailed();
                LogGaveUp(logger, request.ReservationId);
                return;
            }

            await Task.Delay(s_backoff[Math.Min(attempt, s_backoff.Length - 1)], time, stoppingToken);
        }
    }

    private async Task SettleOnceAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (!await authQuota.SettleAsync(request, cancellationToken))
            {
                metrics.SettlementFailed();
            }
        }
        catch (OperationCanceledException)
        {
            metrics.SettlementFailed();
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    [LoggerMessage(EventId = 20, EventName = "SettlementGaveUp", Level = LogLevel.Error, Message = "Could not settle reservation {ReservationId}; auth-quota will release it when its TTL expires.")]
    private static partial void LogGaveUp(ILogger logger, string reservationId);

    [LoggerMessage(EventId = 21, EventName = "SettlementDropped", Level = LogLevel.Error, Message = "Settlement of reservation {ReservationId} was not queued (shutting down).")]
    private static partial void LogDropped(ILogger logger, string reservationId);
}
