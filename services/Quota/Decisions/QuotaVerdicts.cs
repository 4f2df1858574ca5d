using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using Microsoft.AspNetCore.Http;

namespace AiCdn.Quota.Decisions;

/// <summary>
/// What a decision answers, whoever makes it (auth-quota, or core-relay deciding against Redis
/// itself): the refusals a key earns before the store is asked, and the decision a reservation
/// result turns into, with OpenAI's error and <c>x-ratelimit-*</c> state.
/// </summary>
public static class QuotaVerdicts
{
    /// <summary>When a stream slot frees up is unknowable; clients are told to try again after this.</summary>
    public const long ConcurrencyRetryAfterMs = 1000;

    /// <summary>The refusal a key earns before any counter is touched (status and error), or null when it may call.</summary>
    public static (int Status, OpenAiError Error)? CheckKey(bool enabled, DateTimeOffset? expiresAt, IReadOnlyList<string>? models, string? model, DateTimeOffset now)
    {
        if (!enabled)
        {
            return (StatusCodes.Status401Unauthorized, QuotaErrors.Disabled);
        }

        if (expiresAt is { } expiry && expiry <= now)
        {
            return (StatusCodes.Status401Unauthorized, QuotaErrors.Expired);
        }

        return AllowsModel(models, model) ? null : (StatusCodes.Status403Forbidden, QuotaErrors.ModelNotAllowed(model));
    }

    /// <summary>
    /// Null <paramref name="models"/> allows every model. An entry ending in <c>*</c> allows every model
    /// starting with what precedes it (<c>gpt-4o*</c>). A request naming no model (GET /v1/models)
    /// uses none and is allowed.
    /// </summary>
    public static bool AllowsModel(IReadOnlyList<string>? models, string? model)
    {
        if (models is null || string.IsNullOrEmpty(model))
        {
            return true;
        }

        foreach (var allowed in models)
        {
            if (allowed.EndsWith('*')
                ? model.StartsWith(allowed.AsSpan(0, allowed.Length - 1), StringComparison.Ordinal)
                : string.Equals(allowed, model, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The decision a reservation attempt comes to. <paramref name="rejected"/> names the limit that
    /// refused it (for metrics), when one did.
    /// </summary>
    public static AuthorizeDecision FromReservation(AuthorizeRequest request, string keyId, string tenant, ReserveResult result, out (LimitScope Scope, LimitKind Kind)? rejected)
    {
        rejected = null;
        if (result.Outcome == ReserveOutcome.IdConflict)
        {
            return new AuthorizeDecision(false, StatusCodes.Status409Conflict, request.ReservationId, Error: QuotaErrors.ReservationIdConflict);
        }

        if (result.Outcome == ReserveOutcome.Cancelled)
        {
            // Its caller gave up on it already; whoever reads this answer should try again.
            return new AuthorizeDecision(false, StatusCodes.Status503ServiceUnavailable, request.ReservationId, Error: QuotaErrors.Unavailable, RetryAfterMs: 1000);
        }

        var readings = result.Readings!;
        var state = RateLimitStates.From(readings);
        if (result.Outcome is ReserveOutcome.Reserved or ReserveOutcome.AlreadyReserved)
        {
            return new AuthorizeDecision(true, StatusCodes.Status200OK, request.ReservationId, keyId, tenant, RateLimit: state);
        }

        // The limit that keeps the caller waiting longest is the one to name; a limit the request
        // can never fit (more tokens than the limit itself) outranks every wait.
        var (scope, kind, reading) = readings.All().Where(r => !r.Reading.Fits).MaxBy(r => Rank(r.Reading.WaitMs));
        long? retryAfter = reading.WaitMs switch
        {
            LimitReading.Never => null,
            LimitReading.WhenAStreamEnds => ConcurrencyRetryAfterMs,
            var wait => wait,
        };
        var requested = kind switch
        {
            LimitKind.RequestsPerMinute => 1,
            LimitKind.ConcurrentStreams => 1,
            _ => (long)request.EstimatedTokens,
        };

        rejected = (scope, kind);
        return new AuthorizeDecision(false, StatusCodes.Status429TooManyRequests, request.ReservationId, keyId, tenant,
            QuotaErrors.RateLimited(keyId, tenant, scope, kind, reading, requested, retryAfter), retryAfter, state);
    }

    private static long Rank(long waitMs) => waitMs switch
    {
        LimitReading.Never => long.MaxValue,
        LimitReading.WhenAStreamEnds => ConcurrencyRetryAfterMs,
        _ => waitMs,
    };
}
