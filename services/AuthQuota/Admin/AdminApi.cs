using System.Security.Cryptography;
using AiCdn.AuthQuota.Decisions;
using AiCdn.AuthQuota.Keys;
using AiCdn.Common.Errors;
using AiCdn.Common.Security;
using AiCdn.Quota;
using AiCdn.Quota.Keys;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Admin;

/// <summary>
/// Key management at runtime, on auth-quota only (the edge never routes <c>/admin</c>). Changes go
/// straight to the store, which every replica reads on every decision, so they count at once.
/// </summary>
public static class AdminApi
{
    private const int MaxWriteAttempts = 5;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        // Answers carry a plain key once, and key metadata always: no cache or proxy may keep them.
        var keys = app.MapGroup("/admin/keys")
            .AddEndpointFilter(static (context, next) =>
            {
                context.HttpContext.Response.Headers.CacheControl = "no-store";
                return next(context);
            })
            .RequireAdminToken();
        keys.MapPost("/", CreateAsync);
        keys.MapGet("/", ListAsync);
        keys.MapGet("/{id}", GetAsync);
        keys.MapPatch("/{id}", UpdateAsync);
        keys.MapDelete("/{id}", DeleteAsync);
        keys.MapGet("/{id}/usage", UsageAsync);
        return app;
    }

    private static async Task<Results<JsonHttpResult<AdminKeyView>, OpenAiErrorResult>> CreateAsync(
        HttpContext context, IKeyStore store, IOptionsMonitor<AuthQuotaOptions> options, TimeProvider time, AdminAuditLog audit)
    {
        var (document, error) = await KeyRequestReader.ReadAsync(context.Request, context.RequestAborted);
        if (error is not null)
        {
            return error;
        }

        using (document)
        {
            var now = time.GetUtcNow();
            if (KeyRequestReader.ReadNew(document!.RootElement, options.CurrentValue.DefaultLimits.ToLimits(), now, out var draft) is { } invalid)
            {
                return invalid;
            }

            for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
            {
                var plain = ApiKeyHash.Generate();
                var key = draft with
                {
                    Id = "key_" + RandomNumberGenerator.GetHexString(16, lowercase: true),
                    Hash = ApiKeyHash.Compute(plain),
                    Hint = ApiKeyRecord.HintOf(plain),
                };
                if (await store.CreateAsync(key, context.RequestAborted))
                {
                    audit.Created(key.Id, key.Tenant);
                    context.Response.Headers.Location = $"/admin/keys/{key.Id}";

                    // The only time the plain key leaves auth-quota.
                    return TypedResults.Json(AdminKeyView.From(key, plain), AuthQuotaJsonContext.Default.AdminKeyView, statusCode: StatusCodes.Status201Created);
                }
            }

            throw new InvalidOperationException("Could not find a free key id.");
        }
    }

    private static async Task<JsonHttpResult<KeyListView>> ListAsync(string? tenant, IKeyStore store, CancellationToken cancellationToken)
    {
        var keys = await store.ListAsync(cancellationToken);
        var data = keys
            .Where(k => tenant is null || k.Tenant == tenant)
            .OrderBy(k => k.Tenant, StringComparer.Ordinal).ThenBy(k => k.CreatedAt).ThenBy(k => k.Id, StringComparer.Ordinal)
            .Select(k => AdminKeyView.From(k))
            .ToList();
        return TypedResults.Json(new KeyListView(data), AuthQuotaJsonContext.Default.KeyListView);
    }

    private static async Task<Results<JsonHttpResult<AdminKeyView>, OpenAiErrorResult>> GetAsync(string id, IKeyStore store, CancellationToken cancellationToken) =>
        await FindAsync(id, store, cancellationToken) is { } key
            ? TypedResults.Json(AdminKeyView.From(key), AuthQuotaJsonContext.Default.AdminKeyView)
            : KeyNotFound(id);

    private static async Task<Results<JsonHttpResult<AdminKeyView>, OpenAiErrorResult>> UpdateAsync(
        string id, HttpContext context, IKeyStore store, TimeProvider time, AdminAuditLog audit)
    {
        var (document, error) = await KeyRequestReader.ReadAsync(context.Request, context.RequestAborted);
        if (error is not null)
        {
            return error;
        }

        using (document)
        {
            // Read, change, write if nobody wrote in between; otherwise apply the change again to the newer key.
            for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
            {
                var current = await FindAsync(id, store, context.RequestAborted);
                if (current is null)
                {
                    return KeyNotFound(id);
                }

                if (KeySources.IsDeclarative(current.Source))
                {
                    return ManagedBySource(current);
                }

                if (KeyRequestReader.ReadChange(document!.RootElement, current, time.GetUtcNow(), out var updated) is { } invalid)
                {
                    return invalid;
                }

                updated = updated with { Version = current.Version + 1 };
                switch (await store.UpdateAsync(updated, current.Version, context.RequestAborted))
                {
                    case KeyUpdateResult.Updated:
                        audit.Updated(updated.Id, updated.Tenant, updated.Enabled);
                        return TypedResults.Json(AdminKeyView.From(updated), AuthQuotaJsonContext.Default.AdminKeyView);
                    case KeyUpdateResult.NotFound:
                        return KeyNotFound(id);
                }
            }

            return new OpenAiErrorResult(StatusCodes.Status409Conflict, new OpenAiError(
                $"Key {id} kept changing under this request; try again.", OpenAiErrorTypes.InvalidRequest, null, "conflict"));
        }
    }

    private static async Task<Results<NoContent, OpenAiErrorResult>> DeleteAsync(string id, IKeyStore store, AdminAuditLog audit, CancellationToken cancellationToken)
    {
        var current = await FindAsync(id, store, cancellationToken);
        if (current is null)
        {
            return KeyNotFound(id);
        }

        if (KeySources.IsDeclarative(current.Source))
        {
            return ManagedBySource(current);
        }

        if (!await store.DeleteAsync(id, cancellationToken))
        {
            return KeyNotFound(id);
        }

        audit.Deleted(current.Id, current.Tenant);
        return TypedResults.NoContent();
    }

    private static async Task<Results<JsonHttpResult<KeyUsageView>, OpenAiErrorResult>> UsageAsync(
        string id, IKeyStore store, QuotaDecider decider, TimeProvider time, CancellationToken cancellationToken)
    {
        var key = await FindAsync(id, store, cancellationToken);
        if (key is null)
        {
            return KeyNotFound(id);
        }

        var readings = await decider.UsageAsync(key, cancellationToken);
        var view = new KeyUsageView(key.Id, key.Tenant, time.GetUtcNow(),
            ScopeUsageView.From(readings, LimitScope.Key), ScopeUsageView.From(readings, LimitScope.Tenant));
        return TypedResults.Json(view, AuthQuotaJsonContext.Default.KeyUsageView);
    }

    private static async ValueTask<ApiKeyRecord?> FindAsync(string id, IKeyStore store, CancellationToken cancellationToken) =>
        Identifiers.IsKeyId(id) ? await store.FindByIdAsync(id, cancellationToken) : null;

    private static OpenAiErrorResult KeyNotFound(string id) => new(StatusCodes.Status404NotFound, new OpenAiError(
        Identifiers.IsKeyId(id) ? $"No API key with id {id}." : "No API key with that id.", OpenAiErrorTypes.NotFound, "id", "key_not_found"));

    private static OpenAiErrorResult ManagedBySource(ApiKeyRecord key) => new(StatusCodes.Status409Conflict, new OpenAiError(
        $"Key {key.Id} comes from {(key.Source == KeySources.File ? "the keys file" : "API_KEYS")}; change it there.",
        OpenAiErrorTypes.InvalidRequest, "id", "key_managed_by_source"));
}
