using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace AiCdn.Common.Warmup;

/// <summary>
/// Once the application has started, sends <see cref="WarmupOptions.Requests"/> requests to the
/// service's own listeners over loopback, through the real pipeline (Kestrel, middleware, routing),
/// <see cref="WarmupOptions.Concurrency"/> at a time, then opens the <see cref="WarmupGate"/>:
/// when every request was answered, or when <see cref="WarmupOptions.MaxDuration"/> ran out.
/// The client side records nothing either: no HttpClient metrics (its meter has no listener), no
/// spans (OpenTelemetry's instrumentation is suppressed), no log line per request.
/// </summary>
public sealed partial class WarmupService(
    WarmupGate gate,
    WarmupTraffic traffic,
    WarmupRequests requests,
    IServer server,
    IHostApplicationLifetime lifetime,
    IOptions<WarmupOptions> options,
    TimeProvider time,
    ILogger<WarmupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            gate.Open();
            LogDisabled(logger);
            return;
        }

        if (!await StartedAsync(stoppingToken))
        {
            return;
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        var targets = requests.Targets(addresses);
        if (targets.Count == 0)
        {
            gate.Open();
            LogNoListener(logger, string.Join(", ", addresses));
            return;
        }

        var start = time.GetTimestamp();
        var jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
        using var outOfTime = new CancellationTokenSource(settings.MaxDuration, time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, outOfTime.Token);
        using (SuppressInstrumentationScope.Begin())
        using (var client = CreateClient())
        {
            var next = -1;
            var workers = new Task[Math.Min(settings.Concurrency, settings.Requests)];
            for (var i = 0; i < workers.Length; i++)
            {
                workers[i] = Task.Run(() => SendAsync(client, targets, settings.Requests, () => Interlocked.Increment(ref next), budget.Token), CancellationToken.None);
            }

            await Task.WhenAll(workers);
        }

        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var elapsed = (long)time.GetElapsedTime(start).TotalMilliseconds;
        // What warm-up made the JIT do (methods compiled or recompiled at a higher tier, and the
        // time it took): how an operator sees whether more requests would still have helped.
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods;
        var jitMs = (long)(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds;
        var targetList = string.Join(", ", targets.Select(t => $"{t.BaseAddress} (HTTP/{t.Version})"));
        if (gate.Sent + gate.Failed >= settings.Requests && !budget.IsCancellationRequested)
        {
            LogWarm(logger, gate.Sent, gate.Answers, gate.Failed, targetList, elapsed, compiled, jitMs);
        }
        else
        {
            LogOutOfTime(logger, (long)settings.MaxDuration.TotalMilliseconds, gate.Sent, settings.Requests, gate.Answers, gate.Failed, targetList, elapsed, compiled, jitMs);
        }

        gate.Open();
    }

    private async Task SendAsync(HttpMessageInvoker client, IReadOnlyList<WarmupTarget> targets, int total, Func<int> take, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && take() is var number && number < total)
        {
            try
            {
                using var request = requests.Create(targets[number % targets.Count], number);
                traffic.Mark(request);
                using var response = await client.SendAsync(request, cancellationToken);
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                gate.Answered((int)response.StatusCode);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Whatever failed (a listener that refused, a protocol it does not speak) is
                // counted and reported once, at the end: no log line per warm-up request.
                gate.NotAnswered();
            }
            catch (OperationCanceledException)
            {
                gate.NotAnswered();
                return;
            }
        }
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        // Hosted services start before Kestrel listens; the listeners' addresses exist once the
        // application has started.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static HttpMessageInvoker CreateClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        // Its own meter, which no listener subscribes to: warm-up shows in no http.client.* metric.
        MeterFactory = UnrecordedMeters.Instance,
    });

    /// <summary>Meters nobody listens to (their name matches no OpenTelemetry meter pattern).</summary>
    private sealed class UnrecordedMeters : IMeterFactory
    {
        public static readonly UnrecordedMeters Instance = new();

        public Meter Create(MeterOptions options) => new("Unrecorded.Warmup." + options.Name, options.Version);

        public void Dispose()
        {
        }
    }

    [LoggerMessage(EventId = 903, EventName = "WarmupDone", Level = LogLevel.Information,
        Message = "Warm-up done: {Sent} requests answered ({Answers}), {Failed} failed, to {Targets} in {ElapsedMs} ms (JIT: {JitMethods} methods, {JitMs} ms); /health reports ready.")]
    private static partial void LogWarm(ILogger logger, int sent, string answers, int failed, string targets, long elapsedMs, long jitMethods, long jitMs);

    [LoggerMessage(EventId = 904, EventName = "WarmupOutOfTime", Level = LogLevel.Warning,
        Message = "Warm-up reached its limit of {MaxDurationMs} ms (WARMUP_MAX_DURATION) with {Sent} of {Planned} requests answered ({Answers}), {Failed} failed, to {Targets}, after {ElapsedMs} ms (JIT: {JitMethods} methods, {JitMs} ms); /health reports ready anyway.")]
    private static partial void LogOutOfTime(ILogger logger, long maxDurationMs, int sent, int planned, string answers, int failed, string targets, long elapsedMs, long jitMethods, long jitMs);

    [LoggerMessage(EventId = 905, EventName = "WarmupDisabled", Level = LogLevel.Information,
        Message = "Warm-up is off (WARMUP_REQUESTS=0): /health reports ready as soon as the service has started.")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(EventId = 906, EventName = "WarmupNoListener", Level = LogLevel.Warning,
        Message = "Warm-up found no plain HTTP listener to send to among {Addresses}; /health reports ready without it.")]
    private static partial void LogNoListener(ILogger logger, string addresses);
}
