using System.Text.Json;
using AiCdn.AuthQuota.Storage;
using AiCdn.Common;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using AiCdn.Quota;
using AiCdn.Quota.Decisions;
using AiCdn.Quota.Keys;
using AiCdn.Quota.Storage;

namespace AiCdn.AuthQuota.Decisions;

/// <summary>
/// The internal decision endpoints core-relay calls; they answer only signed requests. Authorize
/// always answers 200 with a decision (a refusal carries its own status); settle and renew answer
/// 204, 404 <c>reservation_not_found</c>, or 503 <c>quota_store_unavailable</c> (try again later).
/// </summary>
public static class AuthorizeApi
{
    public static IEndpointRouteBuilder MapAuthorizeApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(string.Empty).RequireClusterSignature();
        api.MapPost(QuotaRoutes.Authorize, AuthorizeAsync);
        api.MapPost(QuotaRoutes.Settle, SettleAsync);
        api.MapPost(QuotaRoutes.KeyCheck, CheckKeyAsync);
        api.MapPost(QuotaRoutes.KeyContext, KeyContextAsync);
        api.MapPost(QuotaRoutes.RenewTemplate, RenewAsync);
        api.MapPost(QuotaRoutes.ExtendTemplate, ExtendAsync);
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, QuotaDecider decider)
    {
        var (request, invalid) = await OpenAiJsonBody.ReadAsync(context.Request, CommonJsonContext.Default.AuthorizeRequest);
        if (invalid is not null)
        {
            return invalid;
        }

        if (request is null || !IsKeyHash(request.KeyHash))
        {
            return InvalidKeyHash();
        }

        if (!Identifiers.IsReservationId(request.ReservationId))
        {
            return OpenAiErrors.InvalidParameter("reservation_id", "reservation_id must be 1 to 128 letters, digits, '.', '_', ':' or '-'.");
        }

        if (request.EstimatedTokens < 0)
        {
            return OpenAiErrors.InvalidParameter("estimated_tokens", "estimated_tokens must not be negative.");
        }

        var decision = await decider.AuthorizeAsync(request, context.RequestAborted);
        if (request.IncludeContext && decider.HasSharedStore && decision.Status is not (StatusCodes.Status401Unauthorized or StatusCodes.Status503ServiceUnavailable))
        {
            decision = await WithContextAsync(decision, request.KeyHash, decider, context.RequestAborted);
        }

        return TypedResults.Json(decision, CommonJsonContext.Default.AuthorizeDecision);
    }

    /// <summary>Adds the key's context for a core that decides itself; without it (Redis not answering) the decision stands alone.</summary>
    private static async Task<AuthorizeDecision> WithContextAsync(AuthorizeDecision decision, string keyHash, QuotaDecider decider, CancellationToken cancellationToken)
    {
        try
        {
            return await decider.ContextAsync(keyHash, cancellationToken) is { } keyContext
                ? decision with { Context = JsonSerializer.SerializeToElement(keyContext, QuotaJsonContext.Default.KeyContext) }
                : decision;
        }
        catch (QuotaStoreUnavailableException)
        {
            return decision;
        }
    }

    private static async Task<IResult> CheckKeyAsync(HttpContext context, QuotaDecider decider)
    {
        var (request, invalid) = await OpenAiJsonBody.ReadAsync(context.Request, CommonJsonContext.Default.KeyCheckRequest);
        if (invalid is not null)
        {
            return invalid;
        }

        if (request is null || !IsKeyHash(request.KeyHash))
        {
            return InvalidKeyHash();
        }

        return TypedResults.Json(await decider.CheckKeyAsync(request.KeyHash, context.RequestAborted), CommonJsonContext.Default.KeyCheckResult);
    }

    private static async Task<IResult> KeyContextAsync(HttpContext context, QuotaDecider decider)
    {
        var (request, invalid) = await OpenAiJsonBody.ReadAsync(context.Request, QuotaJsonContext.Default.KeyContextRequest);
        if (invalid is not null)
        {
            return invalid;
        }

        if (request is null || !IsKeyHash(request.KeyHash))
        {
            return InvalidKeyHash();
        }

        if (!decider.HasSharedStore)
        {
            return new OpenAiErrorResult(StatusCodes.Status409Conflict, new OpenAiError(
                "This auth-quota keeps its counters in memory; decisions can only be made here.", OpenAiErrorTypes.InvalidRequest, null, "no_shared_store"));
        }

        try
        {
            return await decider.ContextAsync(request.KeyHash, context.RequestAborted) is { } keyContext
                ? TypedResults.Json(keyContext, QuotaJsonContext.Default.KeyContext)
                : OpenAiErrors.InvalidApiKey();
        }
        catch (QuotaStoreUnavailableException)
        {
            return StoreUnavailable();
        }
    }

    private static async Task<IResult> SettleAsync(HttpContext context, QuotaDecider decider)
    {
        var (request, invalid) = await OpenAiJsonBody.ReadAsync(context.Request, CommonJsonContext.Default.SettleRequest);
        if (invalid is not null)
        {
            return invalid;
        }

        if (request is null || !Identifiers.IsReservationId(request.ReservationId))
        {
            return OpenAiErrors.InvalidParameter("reservation_id", "reservation_id must be 1 to 128 letters, digits, '.', '_', ':' or '-'.");
        }

        if (request.PromptTokens < 0 || request.CompletionTokens < 0)
        {
            return OpenAiErrors.InvalidParameter(request.PromptTokens < 0 ? "prompt_tokens" : "completion_tokens", "Token counts must not be negative.");
        }

        try
        {
            return await decider.SettleAsync(request, context.RequestAborted) == SettleOutcome.NotFound
                ? NotFound(request.ReservationId)
                : TypedResults.NoContent();
        }
        catch (QuotaStoreUnavailableException)
        {
            return StoreUnavailable();
        }
    }

    private static async Task<IResult> RenewAsync(string reservationId, QuotaDecider decider, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsReservationId(reservationId))
        {
            return OpenAiErrors.InvalidParameter("reservation_id", "reservation_id must be 1 to 128 letters, digits, '.', '_', ':' or '-'.");
        }

        try
        {
            return await decider.RenewAsync(reservationId, cancellationToken) ? TypedResults.NoContent() : NotFound(reservationId);
        }
        catch (QuotaStoreUnavailableException)
        {
            return StoreUnavailable();
        }
    }

    private static async Task<IResult> ExtendAsync(string reservationId, HttpContext context, QuotaDecider decider)
    {
        if (!Identifiers.IsReservationId(reservationId))
        {
            return OpenAiErrors.InvalidParameter("reservation_id", "reservation_id must be 1 to 128 letters, digits, '.', '_', ':' or '-'.");
        }

        var (request, invalid) = await OpenAiJsonBody.ReadAsync(context.Request, CommonJsonContext.Default.ExtendRequest);
        if (invalid is not null)
        {
            return invalid;
        }

        if (request is null || !IsKeyHash(request.KeyHash))
        {
            return InvalidKeyHash();
        }

        if (request.Tokens is < 1 or > KeyLimits.MaxValue)
        {
            return OpenAiErrors.InvalidParameter("tokens", $"tokens must be 1 to {KeyLimits.MaxValue}.");
        }

        try
        {
            return await decider.ExtendAsync(reservationId, request.KeyHash, request.Tokens, context.RequestAborted) switch
            {
                ExtendOutcome.Extended => TypedResults.NoContent(),
                ExtendOutcome.Refused => new OpenAiErrorResult(StatusCodes.Status429TooManyRequests, ExtensionRefused),
                _ => NotFound(reservationId),
            };
        }
        catch (QuotaStoreUnavailableException)
        {
            return StoreUnavailable();
        }
    }

    private static readonly OpenAiError ExtensionRefused =
        new("A token limit of the key or its tenant has no room for more of this completion.", OpenAiErrorTypes.RateLimit, null, OpenAiErrorCodes.RateLimitExceeded);

    private static bool IsKeyHash(string? hash) => hash is { Length: 64 } && hash.All(char.IsAsciiHexDigitLower);

    private static OpenAiErrorResult InvalidKeyHash() =>
        OpenAiErrors.InvalidParameter("key_hash", "key_hash must be the SHA-256 of the key in lower-case hex.");

    private static OpenAiErrorResult NotFound(string reservationId) => new(
        StatusCodes.Status404NotFound,
        new OpenAiError($"No open reservation '{reservationId}': it is unknown or expired before it was settled.", OpenAiErrorTypes.NotFound, "reservation_id", QuotaErrors.ReservationNotFound));

    private static OpenAiErrorResult StoreUnavailable() =>
        OpenAiErrors.Unavailable(QuotaErrors.Unavailable.Message, QuotaErrors.StoreUnavailable, TimeSpan.FromSeconds(1));
}
