using System.Text.Json.Serialization;
using AiCdn.AuthQuota.Admin;
using AiCdn.AuthQuota.Keys;

namespace AiCdn.AuthQuota;

/// <summary>The JSON auth-quota owns: stored key records and the admin API's answers (snake_case, as OpenAI's API).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ApiKeyRecord))]
[JsonSerializable(typeof(AdminKeyView))]
[JsonSerializable(typeof(KeyListView))]
[JsonSerializable(typeof(KeyUsageView))]
public sealed partial class AuthQuotaJsonContext : JsonSerializerContext;
