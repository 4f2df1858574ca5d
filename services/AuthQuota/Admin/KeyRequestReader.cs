using System.Text.Json;
using System.Text.Unicode;
using AiCdn.AuthQuota.Keys;
using AiCdn.Common.Errors;
using AiCdn.Common.Json;
using AiCdn.Quota;
using AiCdn.Quota.Keys;

namespace AiCdn.AuthQuota.Admin;

/// <summary>
/// Reads and validates the bodies of <c>POST /admin/keys</c> and <c>PATCH /admin/keys/{id}</c>.
/// Both take <c>name</c>, <c>enabled</c>, <c>expires_at</c>, <c>models</c> and <c>limits</c>;
/// only creation takes <c>tenant</c>. A member left out keeps its value (its default on creation);
/// unknown members are refused, so a typo never passes silently.
/// </summary>
public static class KeyRequestReader
{
    private const int MaxBodyBytes = 64 * 1024;
    private const int MaxModels = 100;

    public static async Task<(JsonDocument? Document, OpenAiErrorResult? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, OpenAiErrors.RequestTooLarge(MaxBodyBytes));
        }

        // Read whole and bounded (a chunked body declares no length), so it can be checked as UTF-8.
        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (body.Length + read > MaxBodyBytes)
            {
                return (null, OpenAiErrors.RequestTooLarge(MaxBodyBytes));
            }

            body.Write(buffer, 0, read);
        }

        if (!Utf8.IsValid(body.GetBuffer().AsSpan(0, (int)body.Length)))
        {
            return (null, OpenAiErrors.InvalidJson("the body is not valid UTF-8"));
        }

        try
        {
            // A member given twice is refused rather than the last one silently winning.
            var document = JsonDocument.Parse(body.GetBuffer().AsMemory(0, (int)body.Length), new JsonDocumentOptions { AllowDuplicateProperties = false });
            if (document.RootElement.ValueKind == JsonValueKind.Object && JsonStrings.AllValid(document.RootElement))
            {
                return (document, null);
            }

            var error = document.RootElement.ValueKind == JsonValueKind.Object ? "a string is not valid Unicode" : "the body must be a JSON object";
            document.Dispose();
            return (null, OpenAiErrors.InvalidJson(error));
        }
        catch (JsonException ex)
        {
            return (null, OpenAiErrors.InvalidJson(ex));
        }
        catch (InvalidOperationException)
        {
            // The duplicate check reads every property name: one that is not valid Unicode.
            return (null, OpenAiErrors.InvalidJson("a string is not valid Unicode"));
        }
    }

    /// <summary>
    /// Whether an ISO 8601 date and time names its offset (<c>Z</c> or <c>±hh:mm</c>): without one,
    /// the instant would depend on the server's time zone.
    /// </summary>
    private static bool HasOffset(string text)
    {
        var time = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        return time > 0
            && (text.EndsWith('Z') || text.EndsWith('z') || text.IndexOfAny(['+', '-'], time) > 0);
    }

    /// <summary>A new key's record (without id, digest and source) from a creation body.</summary>
    public static OpenAiErrorResult? ReadNew(JsonElement body, KeyLimits defaults, DateTimeOffset now, out ApiKeyRecord draft)
    {
        draft = new ApiKeyRecord(string.Empty, string.Empty, string.Empty, string.Empty, true, null, null, defaults, KeySources.Admin, now);
        if (!body.TryGetProperty("tenant", out var tenant))
        {
            return OpenAiErrors.InvalidParameter("tenant", "'tenant' is required.");
        }

        if (tenant.ValueKind != JsonValueKind.String || !Identifiers.IsTenant(tenant.GetString()))
        {
            return OpenAiErrors.InvalidParameter("tenant", $"'tenant' must be a string of {Identifiers.TenantRule}.");
        }

        draft = draft with { Tenant = tenant.GetString()! };
        return Apply(body, draft, now, creating: true, out draft);
    }

    /// <summary>The key after a change body.</summary>
    public static OpenAiErrorResult? ReadChange(JsonElement body, ApiKeyRecord current, DateTimeOffset now, out ApiKeyRecord updated)
    {
        if (body.TryGetProperty("tenant", out var tenant) && !(tenant.ValueKind == JsonValueKind.String && tenant.GetString() == current.Tenant))
        {
            updated = current;
            return OpenAiErrors.InvalidParameter("tenant", "A key's tenant cannot be changed: create a key for the other tenant.");
        }

        return Apply(body, current, now, creating: false, out updated);
    }

    private static OpenAiErrorResult? Apply(JsonElement body, ApiKeyRecord key, DateTimeOffset now, bool creating, out ApiKeyRecord result)
    {
        result = key;
        foreach (var member in body.EnumerateObject())
        {
            var value = member.Value;
            switch (member.Name)
            {
                case "tenant":
                    break;
                case "name":
                    if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length > 200)
                    {
                        return OpenAiErrors.InvalidParameter("name", "'name' must be a string of at most 200 characters.");
                    }

                    result = result with { Name = value.GetString()!.Trim() };
                    break;
                case "enabled":
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        return OpenAiErrors.InvalidParameter("enabled", "'enabled' must be true or false.");
                    }

                    result = result with { Enabled = value.GetBoolean() };
                    break;
                case "expires_at":
                    if (value.ValueKind == JsonValueKind.Null)
                    {
                        result = result with { ExpiresAt = null };
                    }
                    else if (value.ValueKind == JsonValueKind.String && HasOffset(value.GetString()!) && value.TryGetDateTimeOffset(out var expiry))
                    {
                        if (creating && expiry <= now)
                        {
                            return OpenAiErrors.InvalidParameter("expires_at", "'expires_at' must be in the future.");
                        }

                        result = result with { ExpiresAt = expiry.ToUniversalTime() };
                    }
                    else
                    {
                        return OpenAiErrors.InvalidParameter("expires_at", "'expires_at' must be an ISO 8601 date and time with an offset (2026-12-31T00:00:00Z), or null for never.");
                    }

                    break;
                case "models":
                    if (value.ValueKind == JsonValueKind.Null)
                    {
                        result = result with { Models = null };
                    }
                    else if (value.ValueKind == JsonValueKind.Array
                        && value.GetArrayLength() is > 0 and <= MaxModels
                        && value.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String && m.GetString()!.Trim() is { Length: > 0 and <= 200 }))
                    {
                        result = result with { Models = [.. value.EnumerateArray().Select(m => m.GetString()!.Trim()).Distinct(StringComparer.Ordinal)] };
                    }
                    else
                    {
                        return OpenAiErrors.InvalidParameter("models", $"'models' must be a list of 1 to {MaxModels} model names ('prefix*' matches a family), or null for every model.");
                    }

                    break;
                case "limits":
                    if (LimitsInput.FromJson(value, result.Limits, "limits", out var limits) is { } problem)
                    {
                        return OpenAiErrors.InvalidParameter(problem.Param, problem.Message);
                    }

                    result = result with { Limits = limits };
                    break;
                default:
                    return new OpenAiErrorResult(StatusCodes.Status400BadRequest, new OpenAiError(
                        $"Unrecognized request argument supplied: {member.Name}", OpenAiErrorTypes.InvalidRequest, member.Name, "unknown_parameter"));
            }
        }

        return null;
    }
}
