using AiCdn.Common.Errors;
using AiCdn.Common.Routing;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.Forwarding.Failover;
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
/// kept; a body larger than that copy is retried only when no core read it. Healthy cores are tried
/// first, then those marked down (<see cref="FailoverCandidates.Untried"/>). Errors YARP leaves as
/// bare statuses get OpenAI's body.
/// </summary>
public sealed partial class CoreFailoverMiddleware(
    RequestDelegate next,
    EdgeMetrics metrics,
    IOptions<EdgeOptions> options,
    ILogger<CoreFailoverMiddleware> logger)
    : ProxyFailover<CoreRetryState>(next)
{
    protected override async ValueTask<CoreRetryState?> BeginAsync(HttpContext context, IReadOnlyList<DestinationState> healthy, IReadOnlyList<DestinationState> all)
    {
        if (all.Count == 0)
        {
            await EdgeErrors.NoCore().ExecuteAsync(context);
            return null;
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

        return new CoreRetryState(maxAttempts, body);
    }

    protected override Task NoCandidateAsync(HttpContext context, CoreRetryState request, IReadOnlyList<DestinationState> healthy) =>
        EdgeErrors.NoCore().ExecuteAsync(context);

    protected override void BeforeAttempt(HttpContext context, CoreRetryState request, int attempt, int candidates) =>
        context.Request.Headers[CoreAttempt.Header] = request.Name.ToString();

    protected override string? RetryReason(HttpContext context, CoreRetryState request, IForwarderErrorFeature? error, int attempt)
    {
        if (error is null || attempt >= request.MaxAttempts || request.Body is { CanReplay: false })
        {
            return null;
        }

        return HopFaults.IsUnreachable(error) ? "unreachable" : HopFaults.IsLostBeforeAnswer(error) ? "lost" : null;
    }

    protected override void BeforeRetry(HttpContext context, CoreRetryState request, DestinationState failed, int attempt, string reason, IForwarderErrorFeature? error)
    {
        metrics.Failover();
        LogFailover(logger, failed.DestinationId, attempt, error?.Exception?.Message);
        request.Name = request.Name.Next();
        request.Body?.Rewind();
    }

    protected override Task EndAsync(HttpContext context, CoreRetryState request, IForwarderErrorFeature? error, DestinationState? destination)
    {
        if (error is null)
        {
            return Task.CompletedTask;
        }

        LogForwardError(context, error, destination?.DestinationId);
        return ReplaceBareErrorAsync(context, error);
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
