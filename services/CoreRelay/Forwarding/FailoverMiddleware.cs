using AiCdn.Common.Errors;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Forwarding.Failover;
using AiCdn.Forwarding.Health;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>
/// Tries another origin while nothing has been sent to the client: after a connection failure,
/// a 5xx, or a 429 (whose <c>Retry-After</c> also rests that origin). Each attempt picks among the
/// healthy origins not yet tried and not resting. Once the first byte has gone to the client there
/// is no retry: the origin generated once.
/// </summary>
public sealed partial class FailoverMiddleware(
    RequestDelegate next,
    OriginCooldowns cooldowns,
    CoreRelayMetrics metrics,
    TimeProvider time,
    IOptionsMonitor<CoreRelayOptions> options,
    ILogger<FailoverMiddleware> logger)
    : ProxyFailover<OriginRetryState>(next)
{
    protected override async ValueTask<OriginRetryState?> BeginAsync(HttpContext context, IReadOnlyList<DestinationState> healthy, IReadOnlyList<DestinationState> all)
    {
        if (healthy.Count == 0)
        {
            await OpenAiErrors.Unavailable("No healthy LLM origin is available.", "no_healthy_origin", TimeSpan.FromSeconds(5)).ExecuteAsync(context);
            return null;
        }

        return new OriginRetryState(options.CurrentValue.MaxAttempts);
    }

    /// <summary>Healthy origins only (an origin marked down is not tried), and none that asked the relay to wait.</summary>
    protected override IReadOnlyList<DestinationState> Candidates(
        OriginRetryState request, IReadOnlyList<DestinationState> healthy, IReadOnlyList<DestinationState> all, List<DestinationState>? tried)
    {
        var candidates = new List<DestinationState>(healthy.Count);
        foreach (var destination in healthy)
        {
            if (tried?.Contains(destination) != true && !cooldowns.IsCoolingDown(destination.DestinationId, out _))
            {
                candidates.Add(destination);
            }
        }

        return candidates;
    }

    /// <summary>Every origin left asked the relay to wait: say so, with the shortest wait.</summary>
    protected override Task NoCandidateAsync(HttpContext context, OriginRetryState request, IReadOnlyList<DestinationState> healthy)
    {
        TimeSpan? shortest = null;
        foreach (var destination in healthy)
        {
            if (cooldowns.IsCoolingDown(destination.DestinationId, out var remaining) && (shortest is null || remaining < shortest))
            {
                shortest = remaining;
            }
        }

        return new OpenAiErrorResult(
            StatusCodes.Status429TooManyRequests,
            new OpenAiError("Every LLM origin is rate limiting the relay; retry later.", OpenAiErrorTypes.RateLimit, null, "origins_rate_limited"),
            shortest).ExecuteAsync(context);
    }

    protected override void BeforeAttempt(HttpContext context, OriginRetryState request, int attempt, int candidates)
    {
        request.Current = new OriginAttempt(time.GetTimestamp(), canRetry: attempt < request.MaxAttempts && candidates > 1);
        context.Features.Set(request.Current);
    }

    protected override string? RetryReason(HttpContext context, OriginRetryState request, IForwarderErrorFeature? error, int attempt)
    {
        var current = request.Current!;
        if (!current.CanRetry)
        {
            return null;
        }

        return current.HeldBackStatus switch
        {
            StatusCodes.Status429TooManyRequests => "429",
            not null => "5xx",
            null when error is { Error: ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.RequestCreation } => "unreachable",
            null => null,
        };
    }

    protected override void BeforeRetry(HttpContext context, OriginRetryState request, DestinationState failed, int attempt, string reason, IForwarderErrorFeature? error)
    {
        if (request.Current is { HeldBackStatus: StatusCodes.Status429TooManyRequests, RetryAfter: { } wait })
        {
            cooldowns.CoolDown(failed.DestinationId, wait);
        }

        metrics.Failover(reason);
        LogFailover(logger, failed.DestinationId, reason, attempt);
        if (context.Request.Body.CanSeek)
        {
            context.Request.Body.Position = 0;
        }
    }

    protected override Task EndAsync(HttpContext context, OriginRetryState request, IForwarderErrorFeature? error, DestinationState? destination)
    {
        if (error is null)
        {
            return Task.CompletedTask;
        }

        LogForwardError(context, error, destination?.DestinationId);
        return ReplaceEmptyProxyErrorAsync(context, error);
    }

    /// <summary>YARP's own error log is off (it logs client mistakes with stack traces): the core says what went wrong, once.</summary>
    private void LogForwardError(HttpContext context, IForwarderErrorFeature error, string? destination)
    {
        if (HopFaults.IsClientSide(error.Error) || context.RequestAborted.IsCancellationRequested)
        {
            LogClientForwardError(logger, error.Error, destination ?? "-", error.Exception?.Message);
        }
        else
        {
            LogOriginForwardError(logger, error.Error, destination ?? "-", error.Exception?.Message);
        }
    }

    /// <summary>YARP answers a failed forward with a bare status; clients get OpenAI's error body instead.</summary>
    private static Task ReplaceEmptyProxyErrorAsync(HttpContext context, IForwarderErrorFeature error)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var result = error.Error == ForwarderError.RequestTimedOut
            ? OpenAiErrors.GatewayTimeout("The LLM origin did not answer in time.")
            : OpenAiErrors.BadGateway("The LLM origin could not be reached.");
        context.Response.Clear();
        return result.ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 11, EventName = "OriginForwardError", Level = LogLevel.Warning, Message = "Forwarding to origin {Destination} failed ({Error}): {Reason}")]
    private static partial void LogOriginForwardError(ILogger logger, ForwarderError error, string destination, string? reason);

    [LoggerMessage(EventId = 12, EventName = "ClientForwardError", Level = LogLevel.Debug, Message = "The client ended a request to origin {Destination} ({Error}): {Reason}")]
    private static partial void LogClientForwardError(ILogger logger, ForwarderError error, string destination, string? reason);

    [LoggerMessage(EventId = 10, EventName = "OriginFailover", Level = LogLevel.Warning, Message = "Origin {Destination} failed before the first byte ({Reason}); trying another (attempt {Attempt}).")]
    private static partial void LogFailover(ILogger logger, string destination, string reason, int attempt);
}
