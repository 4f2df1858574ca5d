using AiCdn.Common.Errors;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Forwarding.Health;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace AiCdn.CoreRelay.Forwarding;

/// <summary>
/// Tries another origin while nothing has been sent to the client: after a connection failure,
/// a 5xx, or a 429 (whose <c>Retry-After</c> also rests that origin). Runs before YARP's load
/// balancing, so each attempt picks among the origins not yet tried. Once the first byte has
/// gone to the client there is no retry: the origin generated once.
/// </summary>
public sealed partial class FailoverMiddleware(
    RequestDelegate next,
    OriginCooldowns cooldowns,
    CoreRelayMetrics metrics,
    TimeProvider time,
    IOptionsMonitor<CoreRelayOptions> options,
    ILogger<FailoverMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var all = proxy.AvailableDestinations;
        if (all.Count == 0)
        {
            await OpenAiErrors.Unavailable("No healthy LLM origin is available.", "no_healthy_origin", TimeSpan.FromSeconds(5)).ExecuteAsync(context);
            return;
        }

        var maxAttempts = options.CurrentValue.MaxAttempts;
        var tried = new List<DestinationState>(capacity: 2);
        for (var attempt = 1; ; attempt++)
        {
            var candidates = Candidates(all, tried, out var shortestCooldown);
            if (candidates.Count == 0)
            {
                // Every origin asked us to wait: say so, with the shortest wait.
                await new OpenAiErrorResult(
                    StatusCodes.Status429TooManyRequests,
                    new OpenAiError("Every LLM origin is rate limiting the relay; retry later.", OpenAiErrorTypes.RateLimit, null, "origins_rate_limited"),
                    shortestCooldown).ExecuteAsync(context);
                return;
            }

            var current = new OriginAttempt(time.GetTimestamp(), canRetry: attempt < maxAttempts && candidates.Count > 1);
            context.Features.Set(current);
            proxy.AvailableDestinations = candidates;

            await next(context);

            var error = context.Features.Get<IForwarderErrorFeature>();
            var unreachable = error is { Error: ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.RequestCreation }
                && !context.Response.HasStarted;
            if ((current.HeldBackStatus is null && !unreachable) || !current.CanRetry)
            {
                if (error is not null)
                {
                    LogForwardError(context, error, proxy.ProxiedDestination?.DestinationId);
                }

                await ReplaceEmptyProxyErrorAsync(context, error);
                return;
            }

            var destination = proxy.ProxiedDestination;
            if (destination is not null)
            {
                tried.Add(destination);
                if (current.HeldBackStatus == StatusCodes.Status429TooManyRequests && current.RetryAfter is { } wait)
                {
                    cooldowns.CoolDown(destination.DestinationId, wait);
                }
            }

            var reason = unreachable ? "unreachable" : current.HeldBackStatus == 429 ? "429" : "5xx";
            metrics.Failover(reason);
            LogFailover(logger, destination?.DestinationId ?? "?", reason, attempt);

            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature?>(null);
            if (context.Request.Body.CanSeek)
            {
                context.Request.Body.Position = 0;
            }
        }
    }

    private List<DestinationState> Candidates(IReadOnlyList<DestinationState> all, List<DestinationState> tried, out TimeSpan? shortestCooldown)
    {
        shortestCooldown = null;
        var candidates = new List<DestinationState>(all.Count);
        foreach (var destination in all)
        {
            if (tried.Contains(destination))
            {
                continue;
            }

            if (cooldowns.IsCoolingDown(destination.DestinationId, out var remaining))
            {
                shortestCooldown = shortestCooldown is { } s && s < remaining ? s : remaining;
                continue;
            }

            candidates.Add(destination);
        }

        return candidates;
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
    private static async Task ReplaceEmptyProxyErrorAsync(HttpContext context, IForwarderErrorFeature? error)
    {
        if (error is null || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var result = error.Error == ForwarderError.RequestTimedOut
            ? OpenAiErrors.GatewayTimeout("The LLM origin did not answer in time.")
            : OpenAiErrors.BadGateway("The LLM origin could not be reached.");
        context.Response.Clear();
        await result.ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 11, EventName = "OriginForwardError", Level = LogLevel.Warning, Message = "Forwarding to origin {Destination} failed ({Error}): {Reason}")]
    private static partial void LogOriginForwardError(ILogger logger, ForwarderError error, string destination, string? reason);

    [LoggerMessage(EventId = 12, EventName = "ClientForwardError", Level = LogLevel.Debug, Message = "The client ended a request to origin {Destination} ({Error}): {Reason}")]
    private static partial void LogClientForwardError(ILogger logger, ForwarderError error, string destination, string? reason);

    [LoggerMessage(EventId = 10, EventName = "OriginFailover", Level = LogLevel.Warning, Message = "Origin {Destination} failed before the first byte ({Reason}); trying another (attempt {Attempt}).")]
    private static partial void LogFailover(ILogger logger, string destination, string reason, int attempt);
}
