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
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
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

    private HttpRequestMessage Signed(HttpMethod method, string path)
    {
        var message = new HttpRequestMessage(method, path);
        message.Headers.TryAddWithoutValidation(ClusterSignature.HeaderName, signature.Create(method.Method, path));
        return message;
    }

    [LoggerMessage(EventId = 1, EventName = "AuthQuotaUnreachable", Level = LogLevel.Warning, Message = "auth-quota could not be reached.")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, EventName = "AuthQuotaUnexpectedStatus", Level = LogLevel.Warning, Message = "auth-quota answered {Status}.")]
    private static partial void LogUnexpectedStatus(ILogger logger, int status);
}
