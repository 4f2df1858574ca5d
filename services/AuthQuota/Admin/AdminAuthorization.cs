using System.Security.Cryptography;
using System.Text;
using AiCdn.AuthQuota.Storage;
using AiCdn.Common.Errors;
using AiCdn.Common.Security;
using AiCdn.Quota.Decisions;
using AiCdn.Quota.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AiCdn.AuthQuota.Admin;

/// <summary>
/// Guards the admin API: <c>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</c>, compared in constant
/// time (both sides are hashed first, so not even the token's length shows). Without a configured
/// token the API is closed (503), never open. A store outage answers 503 rather than an exception.
/// </summary>
public static class AdminAuthorization
{
    public static TBuilder RequireAdminToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(static async (context, next) =>
        {
            var http = context.HttpContext;
            var token = http.RequestServices.GetRequiredService<IOptionsMonitor<AuthQuotaOptions>>().CurrentValue.AdminToken;
            if (string.IsNullOrEmpty(token))
            {
                return OpenAiErrors.Unavailable("The admin API is disabled: ADMIN_TOKEN (AuthQuota:AdminToken) is not set.", "admin_api_disabled");
            }

            if (!Matches(http.Request.Headers.Authorization, token))
            {
                http.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
                return new OpenAiErrorResult(StatusCodes.Status401Unauthorized, new OpenAiError(
                    "The admin API needs 'Authorization: Bearer <ADMIN_TOKEN>'.", OpenAiErrorTypes.Authentication, null, "invalid_admin_token"));
            }

            try
            {
                return await next(context);
            }
            catch (QuotaStoreUnavailableException)
            {
                return OpenAiErrors.Unavailable(QuotaErrors.Unavailable.Message, QuotaErrors.StoreUnavailable, TimeSpan.FromSeconds(1));
            }
        });
        return builder;
    }

    private static bool Matches(string? authorization, string token)
    {
        if (!ApiKeyHash.TryGetBearer(authorization, out var given))
        {
            return false;
        }

        Span<byte> givenHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> tokenHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(given.ToArray()), givenHash);
        SHA256.HashData(Encoding.UTF8.GetBytes(token), tokenHash);
        return CryptographicOperations.FixedTimeEquals(givenHash, tokenHash);
    }
}
