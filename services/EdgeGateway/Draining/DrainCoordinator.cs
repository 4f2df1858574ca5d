using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.Draining;

/// <summary>
/// Graceful shutdown. When the host begins to stop (SIGTERM), before Kestrel closes its listeners,
/// the edge turns unready and refuses new requests with 503; Kestrel then stops accepting
/// connections and waits for the open ones. Streams run on until <see cref="EdgeOptions.DrainTimeout"/>;
/// at that deadline (<see cref="Deadline"/>, on the injected clock) every stream still open is
/// ended at an event boundary with a <c>server_draining</c> error event. The host's shutdown
/// timeout is set longer than the drain so that last event is always written.
/// </summary>
public sealed partial class DrainCoordinator(
    IHostApplicationLifetime lifetime,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    ILogger<DrainCoordinator> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _deadline = new();
    private readonly CancellationTokenSource _started = new();
    private CancellationTokenRegistration _stopping;
    private ITimer? _timer;
    private volatile bool _draining;

    /// <summary>True from the moment the host begins to stop.</summary>
    public bool IsDraining => _draining;

    /// <summary>Canceled when the drain begins.</summary>
    public CancellationToken Started => _started.Token;

    /// <summary>Canceled when the drain deadline passes.</summary>
    public CancellationToken Deadline => _deadline.Token;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(static state => ((DrainCoordinator)state!).BeginDrain(), this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Starts the drain (idempotent); the host calls it on SIGTERM through ApplicationStopping.</summary>
    public void BeginDrain()
    {
        if (_draining)
        {
            return;
        }

        _draining = true;
        var timeout = options.Value.DrainTimeout;
        LogDraining(logger, timeout.TotalSeconds);
        _timer = time.CreateTimer(static state => ((DrainCoordinator)state!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
        _started.Cancel();
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _timer?.Dispose();
        _deadline.Dispose();
        _started.Dispose();
    }

    private void OnDeadline()
    {
        LogDeadline(logger);
        try
        {
            _deadline.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The host finished first.
        }
    }

    [LoggerMessage(EventId = 40, EventName = "Draining", Level = LogLevel.Information, Message = "Shutting down: refusing new requests; open streams may run for {Seconds} s.")]
    private static partial void LogDraining(ILogger logger, double seconds);

    [LoggerMessage(EventId = 41, EventName = "DrainDeadline", Level = LogLevel.Warning, Message = "Drain deadline passed: ending the streams still open with a server_draining event.")]
    private static partial void LogDeadline(ILogger logger);
}
