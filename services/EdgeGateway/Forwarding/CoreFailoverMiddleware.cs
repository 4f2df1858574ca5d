using AiCdn.Common.Errors;
using AiCdn.Common.Routing;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.Forwarding.Health;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// Tries another core when one cannot be reached, or is lost before it answers (it died, or the link
/// dropped): nothing has reached the client yet, so it sees one answer. Each attempt is named
/// (<see cref="CoreAttempt"/>): the core that takes attempt n cancels what earlier attempts reserved,
/// so the client is charged once. The body goes again from the copy <see cref="ReplayableBody"/>
/// kept; a body larger than that copy is retried only when no core read it. Runs before YARP's load
/// balancing, so each attempt picks among the cores not yet tried, healthy ones first, then those
/// marked down; passive health checks see every failure. Errors YARP leaves as bare statuses get
/// OpenAI's body.
/// </summary>
public sealed partial class CoreFailoverMiddleware(
    RequestDelegate next,
    EdgeMetrics metrics,
    IOptions<EdgeOptions> options,
    ILogger<CoreFailoverMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var available = proxy.AvailableDestinations;
        var all = proxy.AllDestinations;
        if (all.Count == 0)
        {
            await EdgeErrors.NoCore().ExecuteAsync(context);
            return;
        }

        var settings = options.Value;
        var maxAttempts = Math.Min(settings.CoreMaxAttempts, all.Count);
        ReplayableBody? body = null;
        if (maxAttempts > 1 && context.Request.ContentLength != 0 && !context.WebSockets.IsWebSocketRequest)
        {
            context.Request.Body = body = new ReplayableBody(context.Request.Body, settings.CoreRetryBodyLimit, context.Request.ContentLength);
            context.Response.OnStarting(static state =>
            {
                ((ReplayableBody)state).Commit();
                return Task.CompletedTask;
            }, body);
        }

        // Whatever a client sent as an attempt's name is replaced: only the edge names attempts.
        var headers = context.Request.Headers;
        var current = CoreAttempt.First();
        List<DestinationState>? tried = null;
        for (var attempt = 1; ; attempt++)
        {
            if (tried is not null)
            {
                proxy.AvailableDestinations = NextCandidates(available, all, tried);
                current = current.Next();
                body?.Rewind();
            }

            headers[CoreAttempt.Header] = current.ToString();
            await next(context);

            var error = context.Features.Get<IForwarderErrorFeature>();
            if (error is null)
            {
                return;
            }

            if (attempt < maxAttempts && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested
                && (HopFaults.IsUnreachable(error) || HopFaults.IsLostBeforeAnswer(error)) && (body is null || body.CanReplay)
                && proxy.ProxiedDestination is { } failed)
            {
                (tried ??= []).Add(failed);
                metrics.Failover();
                LogFailover(logger, failed.DestinationId, attempt, error.Exception?.Message);

                context.Response.Clear();
                context.Features.Set<IForwarderErrorFeature?>(null);
                continue;
            }

            LogForwardError(context, error, proxy.ProxiedDestination?.DestinationId);
            await ReplaceBareErrorAsync(context, error);
            return;
        }
    }

    /// <summary>YARP's own error log is off (it logs client mistakes with stack traces): the edge says what went wrong, once.</summary>
    private void LogForwardError(HttpContext context, IForwarderErrorFeature error, string? destination)
    {
        if (HopFaults.IsClientSide(error.Error) || context.RequestAborted.IsCancellationRequested)
        {
            LogClientForwardError(logger, error.Error, destination ?? "-", error.Exception?.Message);
        }
        else
        {
            LogCoreForwardError(logger, error.Error, destination ?? "-", error.Exception?.Message);
        }
    }

    /// <summary>
    /// The healthy cores not yet tried; once those are used up, the cores marked down: a core that
    /// restarted may answer before its health is known again, and trying it costs one refused
    /// connection, while giving up costs the client its request.
    /// </summary>
    private static List<DestinationState> NextCandidates(IReadOnlyList<DestinationState> available, IReadOnlyList<DestinationState> all, List<DestinationState> tried)
    {
        var candidates = new List<DestinationState>(all.Count);
        foreach (var destination in available)
        {
            if (!tried.Contains(destination))
            {
                candidates.Add(destination);
            }
        }

        if (candidates.Count == 0)
        {
            foreach (var destination in all)
            {
                if (!tried.Contains(destination))
                {
                    candidates.Add(destination);
                }
            }
        }

        return candidates;
    }

    private Task ReplaceBareErrorAsync(HttpContext context, IForwarderErrorFeature error)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var status = context.Response.StatusCode;
        OpenAiErrorResult? result = error.Error switch
        {
            ForwarderError.RequestTimedOut => OpenAiErrors.GatewayTimeout("The core relay did not answer in time."),
            ForwarderError.RequestBodyClient when status == StatusCodes.Status413PayloadTooLarge => OpenAiErrors.RequestTooLarge(options.Value.Limits.MaxRequestBodySize),
            ForwarderError.RequestBodyClient when status == StatusCodes.Status408RequestTimeout => EdgeErrors.BodyTooSlow(),
            ForwarderError.RequestBodyClient => OpenAiErrors.InvalidJson("the request body could not be read"),
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled => null,
            _ when status >= 500 => OpenAiErrors.BadGateway("The core relay could not be reached."),
            _ => null,
        };

        if (result is null)
        {
            return Task.CompletedTask;
        }

        context.Response.Clear();
        return result.ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 22, EventName = "CoreForwardError", Level = LogLevel.Warning, Message = "Forwarding to core {Destination} failed ({Error}): {Reason}")]
    private static partial void LogCoreForwardError(ILogger logger, ForwarderError error, string destination, string? reason);

    [LoggerMessage(EventId = 23, EventName = "ClientForwardError", Level = LogLevel.Debug, Message = "The client ended a request to core {Destination} ({Error}): {Reason}")]
    private static partial void LogClientForwardError(ILogger logger, ForwarderError error, string destination, string? reason);

    [LoggerMessage(EventId = 20, EventName = "CoreFailover", Level = LogLevel.Warning, Message = "Core {Destination} could not be reached or was lost before answering (attempt {Attempt}: {Reason}); trying another core.")]
    private static partial void LogFailover(ILogger logger, string destination, int attempt, string? reason);
}
