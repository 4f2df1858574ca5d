using System.Net.Http.Json;
using AiCdn.Common;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;

namespace AiCdn.CoreRelay.Admission;

/// <summary>Calls auth-quota's signed internal API. Failures become a 503 decision, never an exception.</summary>
public sealed partial class AuthQuotaClient(HttpClient http, ClusterSignature signature, ILogger<AuthQuotaClient> logger)
{
    public async Task<AuthorizeDecision> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var message = Signed(HttpMethod.Post, QuotaRoutes.Authorize);
            message.Content = JsonContent.Create(request, CommonJsonContext.Default.AuthorizeRequest);
            using var response = await http.SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode
                && await response.Content.ReadFromJsonAsync(CommonJsonContext.Default.AuthorizeDecision, cancellationToken) is { } decision
                && (decision.Allowed || decision.Status >= 400))
            {
                return decision;
            }

            LogUnexpectedStatus(logger, (int)response.StatusCode);
        }
        catch (Exception ex) when ((IsUnavailable(ex) || ex is System.Text.Json.JsonException) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex);
        }

        return new AuthorizeDecision(
            false,
            StatusCodes.Status503ServiceUnavailable,
            request.ReservationId,
            Error: new OpenAiError("The authorisation service is unavailable; the request was not forwarded.", OpenAiErrorTypes.Unavailable, null, "auth_unavailable"),
            RetryAfterMs: 1000);
    }

    /// <summary>
    /// Settles a reservation. True when auth-quota took it (or no longer knows the reservation, which
    /// then expired on its own); false when it should be tried again.
    /// </summary>
    public async Task<bool> SettleAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var message = Signed(HttpMethod.Post, QuotaRoutes.Settle);
            message.Content = JsonContent.Create(request, CommonJsonContext.Default.SettleRequest);
            using var response = await http.SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                LogReservationGone(logger, request.ReservationId);
                return true;
            }

            LogUnexpectedStatus(logger, (int)response.StatusCode);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex);
        }

        return false;
    }

    /// <summary>Extends an open reservation's TTL (a stream still running).</summary>
    public async Task<Accounting.RenewResult> RenewAsync(string reservationId, CancellationToken cancellationToken)
    {
        try
        {
            using var message = Signed(HttpMethod.Post, QuotaRoutes.Renew(reservationId));
            using var response = await http.SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return Accounting.RenewResult.Renewed;
            }

            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return Accounting.RenewResult.Gone;
            }

            LogUnexpectedStatus(logger, (int)response.StatusCode);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex);
        }

        return Accounting.RenewResult.Failed;
    }

    /// <summary>auth-quota could not be reached, or did not answer within the resilience pipeline's timeout.</summary>
    private static bool IsUnavailable(Exception exception) =>
        exception is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException;

    private HttpRequestMessage Signed(HttpMethod method, string path)
    {
        var message = new HttpRequestMessage(method, path);
        message.Headers.TryAddWithoutValidation(ClusterSignature.HeaderName, signature.Create(method.Method, path));
        return message;
    }

    [LoggerMessage(EventId = 1, EventName = "AuthQuotaUnreachable", Level = LogLevel.Warning, Message = "auth-quota could not be reached.")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, EventName = "ReservationGone", Level = LogLevel.Warning, Message = "auth-quota no longer knows reservation {ReservationId}; it expired before it was settled.")]
    private static partial void LogReservationGone(ILogger logger, string reservationId);

    [LoggerMessage(EventId = 2, EventName = "AuthQuotaUnexpectedStatus", Level = LogLevel.Warning, Message = "auth-quota answered {Status}.")]
    private static partial void LogUnexpectedStatus(ILogger logger, int status);
}
