using AiCdn.AuthQuota.Keys;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;

namespace AiCdn.AuthQuota.Decisions;

/// <summary>Decides whether a key may make a call.</summary>
public sealed class QuotaDecider(IKeyStore keys, TimeProvider time)
{
    public async ValueTask<AuthorizeDecision> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        var key = await keys.FindByHashAsync(request.KeyHash, cancellationToken);
        if (key is null)
        {
            return Deny(request, StatusCodes.Status401Unauthorized, OpenAiErrors.InvalidApiKey().Error);
        }

        if (!key.Enabled)
        {
            return Deny(request, StatusCodes.Status401Unauthorized,
                new OpenAiError("This API key has been disabled.", OpenAiErrorTypes.InvalidRequest, null, "api_key_disabled"));
        }

        if (key.ExpiresAt is { } expiry && expiry <= time.GetUtcNow())
        {
            return Deny(request, StatusCodes.Status401Unauthorized,
                new OpenAiError("This API key has expired.", OpenAiErrorTypes.InvalidRequest, null, "api_key_expired"));
        }

        return new AuthorizeDecision(true, StatusCodes.Status200OK, request.ReservationId, key.Id, key.Tenant);
    }

    private static AuthorizeDecision Deny(AuthorizeRequest request, int status, OpenAiError error) =>
        new(false, status, request.ReservationId, Error: error);
}
