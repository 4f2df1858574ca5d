using System.Text.Json;
using AiCdn.Common;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.Common.Streams;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Quota;

namespace AiCdn.CoreRelay.Resumable;

/// <summary>
/// <c>POST /internal/v1/streams/lost</c>: an edge lost the core that held a resumable stream, so that
/// core will never settle it; this core settles it for the usage the edge's client received
/// (<see cref="LostStreamReport"/>). Without it, each stream of a killed core stayed charged at its
/// estimate. Queued like every settlement (retried until the store answers); a reservation that
/// was already settled is left as it was, so a late report changes nothing.
/// </summary>
public static partial class LostStreamApi
{
    public static IEndpointRouteBuilder MapLostStreamApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(LostStreamReport.Route, SettleAsync);
        return app;
    }

    /// <remarks>Only edges reach it: <c>EdgeAuthenticationMiddleware</c> guards <c>/internal</c> too, and edges relay only <c>/v1</c>.</remarks>
    private static async Task SettleAsync(HttpContext context, QuotaDecisions quota, SettlementQueue settlements, ILoggerFactory loggers)
    {
        if (!ApiKeyHash.TryGetBearer(context.Request.Headers.Authorization, out var key))
        {
            await OpenAiErrors.MissingApiKey().ExecuteAsync(context);
            return;
        }

        var keyHash = ApiKeyHash.Compute(key);

        LostStreamReport? report;
        try
        {
            report = await JsonSerializer.DeserializeAsync(context.Request.Body, CommonJsonContext.Default.LostStreamReport, context.RequestAborted);
        }
        catch (JsonException)
        {
            report = null;
        }

        if (report is null || !CoreAttempt.TryParse(report.ReservationId, out _) || report.PromptTokens < 0 || report.CompletionTokens < 0)
        {
            await OpenAiErrors.InvalidParameter("reservation_id", "The lost-stream report must name an attempt's reservation and non-negative token counts.").ExecuteAsync(context);
            return;
        }

        var (keyId, tenant) = quota.KnownKey(keyHash);
        settlements.Enqueue(new SettleRequest(report.ReservationId, report.PromptTokens, report.CompletionTokens, Forwarded: true, SettlementOutcomes.CoreLost, keyId, tenant));
        LogReported(loggers.CreateLogger(typeof(LostStreamApi)), report.ReservationId, report.PromptTokens, report.CompletionTokens);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    [LoggerMessage(EventId = 45, EventName = "LostStreamSettled", Level = LogLevel.Information, Message = "Reservation {ReservationId}: its core was lost mid-stream; settling it for what the edge's client received ({PromptTokens} prompt + {CompletionTokens} completion tokens).")]
    private static partial void LogReported(ILogger logger, string reservationId, int promptTokens, int completionTokens);
}
