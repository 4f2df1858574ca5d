using System.Diagnostics;
using System.Threading.Channels;
using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Quota;
using AiCdn.CoreRelay.Telemetry;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// Settles reservations off the request path: a finished response is not held open while its
/// usage is recorded. Up to <see cref="MaxInFlight"/> settlements run at once, so they keep up with
/// the requests that made the reservations (the quota store pipelines them on one connection); one
/// that fails waits for its back-off aside and is queued again, holding nobody up. On shutdown the
/// queue is drained for a bounded time. A settlement that never lands is released by the
/// reservation's TTL, so a crash cannot leak a lease forever.
/// </summary>
public sealed partial class SettlementQueue : BackgroundService
{
    /// <summary>Settlements sent at once; the rest wait in the queue.</summary>
    public const int MaxInFlight = 256;

    private static readonly TimeSpan[] s_backoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>auth-quota's default reservation TTL: past it the reservation has expired anyway.</summary>
    private static readonly TimeSpan s_keepTrying = TimeSpan.FromMinutes(10);

    private readonly QuotaDecisions _quota;
    private readonly CoreRelayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SettlementQueue> _logger;
    private readonly Channel<QueuedSettlement> _queue =
        Channel.CreateUnbounded<QueuedSettlement>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _window = new(MaxInFlight, MaxInFlight);

    /// <summary>Cancelled when the shutdown drain runs out of time; settlements run until then.</summary>
    private readonly CancellationTokenSource _drained = new();
    private int _pending;
    private int _stopped;

    public SettlementQueue(QuotaDecisions quota, CoreRelayMetrics metrics, TimeProvider time, ILogger<SettlementQueue> logger)
    {
        _quota = quota;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        metrics.ObserveSettlementsPending(() => Pending);
    }

    /// <summary>Settlements queued, in flight or waiting to be tried again.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <param name="parent">The request's span: the settlement is traced as part of the request.</param>
    public void Enqueue(SettleRequest request, ActivityContext parent = default)
    {
        Interlocked.Increment(ref _pending);
        var giveUpAt = _time.GetTimestamp() + (long)(s_keepTrying.TotalSeconds * _time.TimestampFrequency);
        if (!_queue.Writer.TryWrite(new QueuedSettlement(request, parent, Attempt: 0, giveUpAt)))
        {
            Dropped(request);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not stoppingToken: on shutdown the writer is completed and what is queued still goes out,
        // until nothing is pending or the drain's time is up.
        var token = _drained.Token;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(token))
            {
                while (_queue.Reader.TryRead(out var settlement))
                {
                    await _window.WaitAsync(token);
                    _ = RunAsync(settlement, token);
                }
            }

            // Closed and empty: the settlements in flight or waiting for a retry still count.
            while (Pending > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), _time, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            var left = 0;
            while (_queue.Reader.TryRead(out _))
            {
                left++;
            }

            if (left > 0)
            {
                Interlocked.Add(ref _pending, -left);
                _metrics.SettlementFailed(left);
                LogNotSent(_logger, left);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host can be stopped again after it was disposed (a test stopping one core, then the chain).
        _queue.Writer.TryComplete();
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _drained.CancelAfter(s_drainTimeout);
        }

        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        // Called twice (the queue is a singleton and a hosted service): both are idempotent.
        Interlocked.Exchange(ref _stopped, 1);
        _drained.Dispose();
        base.Dispose();
    }

    /// <summary>One try of one settlement, in a slot of the window the caller took.</summary>
    private async Task RunAsync(QueuedSettlement settlement, CancellationToken token)
    {
        var settled = false;
        try
        {
            using var activity = CoreRelayActivities.Source.StartActivity("settle", ActivityKind.Internal, settlement.Parent);
            settled = await _quota.SettleAsync(settlement.Request, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            _window.Release();
        }

        if (settled)
        {
            Interlocked.Decrement(ref _pending);
        }
        else if (token.IsCancellationRequested || _time.GetTimestamp() >= settlement.GiveUpAt)
        {
            GaveUp(settlement.Request);
        }
        else
        {
            _ = RetryLaterAsync(settlement, token);
        }
    }

    /// <summary>Kept trying for as long as the reservation can live: a settlement that gives up early
    /// leaves the estimate charged instead of what the origin really did.</summary>
    private async Task RetryLaterAsync(QueuedSettlement settlement, CancellationToken token)
    {
        var next = settlement with { Attempt = settlement.Attempt + 1 };
        try
        {
            await Task.Delay(s_backoff[Math.Min(settlement.Attempt, s_backoff.Length - 1)], _time, token);
            if (!_queue.Writer.TryWrite(next))
            {
                // Shutting down, the queue is closed: one last try within the drain's time.
                await _window.WaitAsync(token);
                await RunAsync(next with { GiveUpAt = 0 }, token);
            }
        }
        catch (OperationCanceledException)
        {
            GaveUp(settlement.Request);
        }
    }

    private void GaveUp(SettleRequest request)
    {
        Interlocked.Decrement(ref _pending);
        _metrics.SettlementFailed();
        LogGaveUp(_logger, request.ReservationId);
    }

    private void Dropped(SettleRequest request)
    {
        Interlocked.Decrement(ref _pending);
        _metrics.SettlementFailed();
        LogDropped(_logger, request.ReservationId);
    }

    private readonly record struct QueuedSettlement(SettleRequest Request, ActivityContext Parent, int Attempt, long GiveUpAt);

    [LoggerMessage(EventId = 50, EventName = "SettlementGaveUp", Level = LogLevel.Error, Message = "Could not settle reservation {ReservationId}; it is released when its TTL expires.")]
    private static partial void LogGaveUp(ILogger logger, string reservationId);

    [LoggerMessage(EventId = 52, EventName = "SettlementsNotSent", Level = LogLevel.Error, Message = "{Count} settlements were still queued when the shutdown drain ran out of time; their reservations are released when their TTL expires.")]
    private static partial void LogNotSent(ILogger logger, int count);

    [LoggerMessage(EventId = 51, EventName = "SettlementDropped", Level = LogLevel.Error, Message = "Settlement of reservation {ReservationId} was not queued (shutting down).")]
    private static partial void LogDropped(ILogger logger, string reservationId);
}
