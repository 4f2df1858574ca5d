using System.Net;
using System.Text.Json;
using AiCdn.Common.Security;

namespace AiCdn.AuthQuota.Tests;

public sealed class AdminApiTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string SeededKey = "sk-aicdn-admin-seeded-0001";

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789")]
    [InlineData("")]
    public async Task AdminApi_WithoutTheToken_401(string? token)
    {
        await using var cluster = await QuotaCluster.StartAsync(null);

        using var response = await cluster[0].AdminAsync(HttpMethod.Get, "/admin/keys", token: token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("\"code\":\"invalid_admin_token\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/admin/keys", """{"tenant":"default","name":"a\ud800"}""")]
    [InlineData("POST", "/admin/keys", """{"tenant":"default","name":"ok","models":["\udc00"]}""")]
    [InlineData("POST", "/admin/keys", """{"tenant":"default","\ud800":1}""")]
    public async Task AdminApi_StringNotValidUnicode_400NotA500(string method, string path, string json)
    {
        await using var cluster = await QuotaCluster.StartAsync(null);

        using var response = await cluster[0].AdminAsync(new HttpMethod(method), path, json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"code\":\"invalid_json\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_RawInvalidUtf8_400NotA500()
    {
        await using var cluster = await QuotaCluster.StartAsync(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/keys")
        {
            Content = new ByteArrayContent([.. "{\"tenant\":\"default\",\"name\":\"a"u8, 0xC3, 0x28, .. "\"}"u8]),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Authorization = new("Bearer", QuotaCluster.AdminToken);

        using var response = await cluster[0].Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AdminApi_NoTokenConfigured_503NeverOpen()
    {
        await using var cluster = await QuotaCluster.StartAsync(null, new Dictionary<string, string?> { ["AuthQuota:AdminToken"] = null });

        using var withToken = await cluster[0].AdminAsync(HttpMethod.Get, "/admin/keys");
        using var withoutToken = await cluster[0].AdminAsync(HttpMethod.Post, "/admin/keys", """{"tenant":"acme"}""", token: null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, withToken.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, withoutToken.StatusCode);
        Assert.Contains("\"code\":\"admin_api_disabled\"", await withToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task CreateKey_ValidBody_201WithThePlainKeyShownOnce(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?> { ["AuthQuota:ApiKeys"] = SeededKey });
        var admin = cluster[0];

        using var response = await admin.AdminAsync(HttpMethod.Post, "/admin/keys",
            """{"tenant":"acme","name":"ci pipeline","limits":{"requests_per_minute":5,"tokens_per_day":null},"models":["mock-gpt"],"expires_at":"2032-01-01T00:00:00Z"}""");
        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = created.GetProperty("id").GetString()!;
        var key = created.GetProperty("key").GetString()!;
        var read = await cluster[cluster.Replicas.Count - 1].AdminJsonAsync(HttpMethod.Get, $"/admin/keys/{id}");
        using var listResponse = await admin.AdminAsync(HttpMethod.Get, "/admin/keys");
        var list = await listResponse.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/admin/keys/{id}", response.Headers.Location!.OriginalString);
        Assert.True(response.Headers.CacheControl?.NoStore, "the answer carrying the plain key must not be stored");
        Assert.True(listResponse.Headers.CacheControl?.NoStore);
        Assert.StartsWith("sk-aicdn-", key, StringComparison.Ordinal);
        Assert.Equal(52, key.Length);
        Assert.Equal("acme", read.GetProperty("tenant").GetString());
        Assert.Equal("ci pipeline", read.GetProperty("name").GetString());
        Assert.Equal(5, read.GetProperty("limits").GetProperty("requests_per_minute").GetInt64());
        Assert.Equal(JsonValueKind.Null, read.GetProperty("limits").GetProperty("tokens_per_day").ValueKind);
        Assert.Equal("admin", read.GetProperty("source").GetString());
        Assert.Equal(key[..9] + "..." + key[^4..], read.GetProperty("hint").GetString());
        Assert.False(read.TryGetProperty("key", out _));

        // Listing shows both keys and no secret: neither a plain key nor a digest.
        Assert.Contains(id, list, StringComparison.Ordinal);
        Assert.Contains("key_" + ApiKeyHash.Compute(SeededKey)[..16], list, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        Assert.DoesNotContain(SeededKey, list, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKeyHash.Compute(key), list, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKeyHash.Compute(SeededKey), list, StringComparison.Ordinal);

        var decision = await cluster[cluster.Replicas.Count - 1].AuthorizeAsync(key);
        Assert.True(decision.Allowed);
        Assert.Equal(5, decision.RateLimit!.LimitRequests);
    }

    [Theory]
    [InlineData("""{"name":"no tenant"}""", "tenant", "invalid_value")]
    [InlineData("""{"tenant":"has space"}""", "tenant", "invalid_value")]
    [InlineData("""{"tenant":"{acme}"}""", "tenant", "invalid_value")]
    [InlineData("""{"tenant":"acme","limits":{"requests_per_minute":0}}""", "limits.requests_per_minute", "invalid_value")]
    [InlineData("""{"tenant":"acme","limits":{"requests_per_minute":1.5}}""", "limits.requests_per_minute", "invalid_value")]
    [InlineData("""{"tenant":"acme","limits":{"requests_per_hour":10}}""", "limits.requests_per_hour", "invalid_value")]
    [InlineData("""{"tenant":"acme","limits":[1]}""", "limits", "invalid_value")]
    [InlineData("""{"tenant":"acme","models":[]}""", "models", "invalid_value")]
    [InlineData("""{"tenant":"acme","models":["ok",""]}""", "models", "invalid_value")]
    [InlineData("""{"tenant":"acme","expires_at":"2020-01-01T00:00:00Z"}""", "expires_at", "invalid_value")]
    [InlineData("""{"tenant":"acme","expires_at":"tomorrow"}""", "expires_at", "invalid_value")]
    [InlineData("""{"tenant":"acme","expires_at":"2032-01-01T00:00:00"}""", "expires_at", "invalid_value")]
    [InlineData("""{"tenant":"acme","enabled":"yes"}""", "enabled", "invalid_value")]
    [InlineData("""{"tenant":"acme","colour":"blue"}""", "colour", "unknown_parameter")]
    public async Task CreateKey_InvalidBody_400NamingTheParameter(string body, string param, string code)
    {
        await using var cluster = await QuotaCluster.StartAsync(null);

        using var response = await cluster[0].AdminAsync(HttpMethod.Post, "/admin/keys", body);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Empty((await cluster[0].AdminJsonAsync(HttpMethod.Get, "/admin/keys")).GetProperty("data").EnumerateArray());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"tenant":"acme","tenant":"other"}""")]
    public async Task CreateKey_NotAJsonObject_400InvalidJson(string body)
    {
        await using var cluster = await QuotaCluster.StartAsync(null);

        using var response = await cluster[0].AdminAsync(HttpMethod.Post, "/admin/keys", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"code\":\"invalid_json\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task PatchKey_Limits_TakeEffectOnEveryReplica(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis);
        var (id, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","limits":{"requests_per_minute":100,"tokens_per_minute":5000}}""");

        var patched = await cluster[0].AdminJsonAsync(HttpMethod.Patch, $"/admin/keys/{id}",
            """{"limits":{"requests_per_minute":1,"tokens_per_minute":null},"name":"renamed"}""");
        var caller = cluster[cluster.Replicas.Count - 1];
        var first = await caller.AuthorizeAsync(key, tokens: 100_000);
        var second = await caller.AuthorizeAsync(key);

        Assert.Equal(1, patched.GetProperty("limits").GetProperty("requests_per_minute").GetInt64());
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("limits").GetProperty("tokens_per_minute").ValueKind);
        Assert.Equal("renamed", patched.GetProperty("name").GetString());
        Assert.True(first.Allowed);
        Assert.False(second.Allowed);
    }

    [Theory]
    [InlineData("""{"tenant":"other"}""", "tenant", HttpStatusCode.BadRequest)]
    [InlineData("""{"limits":{"tokens_per_day":-5}}""", "limits.tokens_per_day", HttpStatusCode.BadRequest)]
    [InlineData("""{"key":"sk-aicdn-chosen"}""", "key", HttpStatusCode.BadRequest)]
    public async Task PatchKey_InvalidChange_400AndKeyUnchanged(string body, string param, HttpStatusCode status)
    {
        await using var cluster = await QuotaCluster.StartAsync(null);
        var (id, _) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","limits":{"tokens_per_day":100}}""");

        using var response = await cluster[0].AdminAsync(HttpMethod.Patch, $"/admin/keys/{id}", body);
        var read = await cluster[0].AdminJsonAsync(HttpMethod.Get, $"/admin/keys/{id}");

        Assert.Equal(status, response.StatusCode);
        Assert.Contains($"\"param\":\"{param}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(100, read.GetProperty("limits").GetProperty("tokens_per_day").GetInt64());
        Assert.Equal("acme", read.GetProperty("tenant").GetString());
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task PatchOrDelete_KeyFromApiKeys_409ManagedBySource(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?> { ["AuthQuota:ApiKeys"] = SeededKey });
        var id = "key_" + ApiKeyHash.Compute(SeededKey)[..16];

        using var patch = await cluster[0].AdminAsync(HttpMethod.Patch, $"/admin/keys/{id}", """{"enabled":false}""");
        using var delete = await cluster[0].AdminAsync(HttpMethod.Delete, $"/admin/keys/{id}");

        Assert.Equal(HttpStatusCode.Conflict, patch.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("\"code\":\"key_managed_by_source\"", await patch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True((await cluster[0].AuthorizeAsync(SeededKey)).Allowed);
    }

    [Theory]
    [InlineData("GET", "/admin/keys/key_0123456789abcdef")]
    [InlineData("GET", "/admin/keys/not-an-id")]
    [InlineData("PATCH", "/admin/keys/key_0123456789abcdef")]
    [InlineData("DELETE", "/admin/keys/key_0123456789abcdef")]
    [InlineData("GET", "/admin/keys/key_0123456789abcdef/usage")]
    public async Task UnknownKey_404KeyNotFound(string method, string path)
    {
        await using var cluster = await QuotaCluster.StartAsync(null);

        using var response = await cluster[0].AdminAsync(new HttpMethod(method), path, method == "PATCH" ? """{"enabled":false}""" : null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("\"code\":\"key_not_found\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Usage_AfterCalls_ReportsKeyAndTenantCounters(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?>
        {
            ["AuthQuota:Tenants:acme:TokensPerDay"] = "1000000",
        });
        var (id, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","limits":{"requests_per_minute":10,"max_concurrent_streams":3}}""");
        var (_, sibling) = await cluster[0].CreateKeyAsync("""{"tenant":"acme"}""");
        var stream = await cluster[0].AuthorizeAsync(key, tokens: 400, stream: true);
        await cluster[0].AuthorizeAsync(key, tokens: 100);
        await cluster[0].AuthorizeAsync(sibling, tokens: 1000);

        var usage = await cluster[cluster.Replicas.Count - 1].UsageAsync(id);

        var own = usage.GetProperty("key");
        Assert.Equal("api_key.usage", usage.GetProperty("object").GetString());
        Assert.Equal(10, own.GetProperty("requests_per_minute").GetProperty("limit").GetInt64());
        Assert.Equal(2, own.GetProperty("requests_per_minute").GetProperty("used").GetInt64());
        Assert.Equal(8, own.GetProperty("requests_per_minute").GetProperty("remaining").GetInt64());
        Assert.Equal(12_000, own.GetProperty("requests_per_minute").GetProperty("reset_ms").GetInt64());
        Assert.Equal(JsonValueKind.Null, own.GetProperty("tokens_per_minute").GetProperty("used").ValueKind);
        Assert.Equal(500, own.GetProperty("tokens_today").GetProperty("used").GetInt64());
        Assert.Equal(1, own.GetProperty("concurrent_streams").GetProperty("used").GetInt64());
        Assert.Equal(2, own.GetProperty("concurrent_streams").GetProperty("remaining").GetInt64());
        var tenant = usage.GetProperty("tenant_total");
        Assert.Equal(1500, tenant.GetProperty("tokens_today").GetProperty("used").GetInt64());
        Assert.Equal(1_000_000, tenant.GetProperty("tokens_today").GetProperty("limit").GetInt64());
        Assert.Equal(998_500, tenant.GetProperty("tokens_today").GetProperty("remaining").GetInt64());
        Assert.True(stream.Allowed);
    }
}
