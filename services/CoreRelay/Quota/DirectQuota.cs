using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Quota;
using AiCdn.Quota.Decisions;
using AiCdn.Quota.Storage;

namespace AiCdn.CoreRelay.Quota;

/// <summary>
/// Reserves, settles and renews against Redis itself with a key's context from auth-quota: the script
/// auth-quota runs, one Redis round trip instead of two HTTP calls. Every method returns null for "ask
/// auth-quota", where the configured failure mode applies (docs/direct-quota.md).
/// </summary>
public sealed class DirectQuota(KeyContextCache contexts, QuotaStoreVerifier stores, KeyChangeListener changes, CoreRelayMetrics metrics, TimeProvider time)
{
    /// <summary>The key contexts decided with, and their fetches.</summary>
    public KeyContextCache Contexts { get; } = contexts;

    /// <summary>
    /// Takes a context auth-quota answered, verifying its store first when it names one this core has
    /// not checked. It is held even when the store is not this core's, so the core does not ask for it
    /// again on every call; <see cref="KeyContextCache.Find"/> only hands out contexts of the verified store.
    /// </summary>
    public async Task AcceptAsync(string keyHash, KeyContext context)
    {
        try
        {
            if (stores.Verified is not { } store || !store.Matches(context))
            {
                store = await stores.VerifyAsync(context);
                if (store is not null)
                {
                    changes.Listen(store.Prefix);
                }
            }

            Contexts.Hold(keyHash, context, store);
        }
        finally
        {
            Contexts.EndFetch(keyHash);
        }
    }

    /// <summary>Decides with <paramref name="context"/>; null when Redis did not answer (ask auth-quota).</summary>
    public async ValueTask<AuthorizeDecision?> AuthorizeAsync(AuthorizeRequest request, KeyContext context, CancellationToken cancellationToken)
    {
        if (stores.Verified is not { } store || !store.Matches(context))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (QuotaVerdicts.CheckKey(context.Enabled, context.ExpiresAt, context.Models, request.Model, now) is { } refusal)
        {
            metrics.QuotaDecision(refusal.Error.Code ?? "refused", context.Tenant);
            return new AuthorizeDecision(false, refusal.Status, request.ReservationId, Error: refusal.Error);
        }

        var command = new ReserveCommand(request.ReservationId, context.Tenant, context.KeyId, request.EstimatedTokens, request.Stream,
            context.Limits, context.TenantLimits, now, TimeSpan.FromMilliseconds(context.ReservationTtlMs));
        ReserveResult result;
        try
        {
            result = await store.Quota.ReserveAsync(command, cancellationToken);
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }

        var decision = QuotaVerdicts.FromReservation(request, context.KeyId, context.Tenant, result, out var rejected);
        if (rejected is { } limit)
        {
            metrics.QuotaRejection(limit.Kind, limit.Scope, context.Tenant);
        }

        metrics.QuotaDecision(decision.Allowed ? "allowed" : rejected is null ? decision.Error?.Code ?? "refused" : OpenAiErrorCodes.RateLimitExceeded, context.Tenant);
        return decision;
    }

    /// <summary>
    /// Settles in Redis. Null when this core cannot (no verified store, Redis not answering) or Redis
    /// does not hold the reservation (auth-quota may: it took it while failing open).
    /// </summary>
    public async ValueTask<SettleOutcome?> SettleAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        if (stores.Verified is not { } store)
        {
            return null;
        }

        try
        {
            var outcome = await store.Quota.SettleAsync(new SettleCommand(request.ReservationId, (long)request.PromptTokens + request.CompletionTokens,
                request.Forwarded, time.GetUtcNow(), store.ReservationTtl, request.Tenant, request.KeyId, request.Cancel), cancellationToken);
            if (outcome == SettleOutcome.NotFound)
            {
                return null;
            }

            metrics.QuotaSettlement(outcome switch
            {
                SettleOutcome.AlreadySettled => "duplicate",
                SettleOutcome.Cancelled => "cancelled",
                _ => request.Forwarded ? "settled" : "refunded",
            });
            return outcome;
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }
    }

    /// <summary>
    /// Extends in Redis with the key's context; null when this core cannot (no context or verified
    /// store, Redis not answering) or Redis does not hold the reservation (ask auth-quota).
    /// </summary>
    public async ValueTask<ExtendOutcome?> ExtendAsync(string reservationId, string keyHash, long tokens, CancellationToken cancellationToken)
    {
        if (Contexts.Peek(keyHash) is not { } context || stores.Verified is not { } store || !store.Matches(context))
        {
            return null;
        }

        try
        {
            var outcome = await store.Quota.ExtendAsync(
                new ExtendCommand(reservationId, context.Tenant, context.KeyId, tokens, context.Limits, context.TenantLimits, time.GetUtcNow()), cancellationToken);
            return outcome == ExtendOutcome.Gone ? null : outcome;
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }
    }

    /// <summary>Renews in Redis; null when this core cannot or Redis does not hold the reservation.</summary>
    public async ValueTask<bool?> RenewAsync(string reservationId, CancellationToken cancellationToken)
    {
        if (stores.Verified is not { } store)
        {
            return null;
        }

        try
        {
            return await store.Quota.RenewAsync(reservationId, time.GetUtcNow(), store.ReservationTtl, cancellationToken) ? true : null;
        }
        catch (QuotaStoreUnavailableException)
        {
            return null;
        }
    }
}
