using System.Text.Json;
using AiCdn.Common;
using AiCdn.Common.Errors;
using AiCdn.Common.Security;
using AiCdn.Common.Quota;

namespace AiCdn.AuthQuota.Decisions;

/// <summary>The internal decision endpoints core-relay calls; they answer only signed requests.</summary>
public static class AuthorizeApi
{
    public static IEndpointRouteBuilder MapAuthorizeApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(string.Empty).RequireClusterSignature();
        api.MapPost(QuotaRoutes.Authorize, AuthorizeAsync);
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, QuotaDecider decider)
    {
        AuthorizeRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, CommonJsonContext.Default.AuthorizeRequest, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            return OpenAiErrors.InvalidJson(ex.Message);
        }

        if (request is null || string.IsNullOrEmpty(request.KeyHash) || string.IsNullOrEmpty(request.ReservationId))
        {
            return OpenAiErrors.InvalidParameter("key_hash", "key_hash and reservation_id are required.");
        }

        var decision = await decider.AuthorizeAsync(request, context.RequestAborted);
        return TypedResults.Json(decision, CommonJsonContext.Default.AuthorizeDecision);
    }
}
