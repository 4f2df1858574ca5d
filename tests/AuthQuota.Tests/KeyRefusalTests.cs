using System.Net;
using AiCdn.Common.Quota;
using AiCdn.Testing;

namespace AiCdn.AuthQuota.Tests;

/// <summary>Each reason to refuse a key has its own status and code; admin changes count on every replica at once.</summary>
public sealed class KeyRefusalTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Key = "sk-aicdn-refusal-key-0001";

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_UnknownKey_401InvalidApiKey(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?> { ["AuthQuota:ApiKeys"] = Key });

        var decision = await cluster[0].AuthorizeAsync("sk-aicdn-not-a-key-at-all");

        AssertRefused(decision, 401, "invalid_api_key");
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_KeyDisabledOnAnotherReplica_401ApiKeyDisabled(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis);
        var admin = cluster[0];
        var caller = cluster[cluster.Replicas.Count - 1];
        var (id, key) = await admin.CreateKeyAsync("""{"tenant":"acme","name":"ci"}""");
        Assert.True((await caller.AuthorizeAsync(key)).Allowed);

        // The other replica cached the key; the change reaches it through Redis pub/sub, not by expiry
        // (the fake clock does not move, so the cache TTL never runs out here).
        await admin.AdminJsonAsync(HttpMethod.Patch, $"/admin/keys/{id}", """{"enabled":false}""");
        AuthorizeDecision disabled = null!;
        await Wait.UntilAsync(async () => !(disabled = await caller.AuthorizeAsync(key)).Allowed, TimeSpan.FromSeconds(5), "the other replica refuses the disabled key");
        await admin.AdminJsonAsync(HttpMethod.Patch, $"/admin/keys/{id}", """{"enabled":true}""");
        await Wait.UntilAsync(async () => (await caller.AuthorizeAsync(key)).Allowed, TimeSpan.FromSeconds(5), "the other replica accepts the key again");

        AssertRefused(disabled, 401, "api_key_disabled");
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_KeyPastItsExpiry_401ApiKeyExpired(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis);
        var expiry = QuotaCluster.Start.AddHours(1).ToString("O");
        var (_, key) = await cluster[0].CreateKeyAsync($$"""{"tenant":"acme","expires_at":"{{expiry}}"}""");

        var before = await cluster[0].AuthorizeAsync(key);
        cluster.Time.Advance(TimeSpan.FromHours(1));
        var after = await cluster[0].AuthorizeAsync(key);

        Assert.True(before.Allowed);
        AssertRefused(after, 401, "api_key_expired");
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_ModelOutsideTheKeysList_403ModelNotAllowed(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis);
        var (_, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme","models":["mock-gpt","gpt-4o*"]}""");

        var listed = await cluster[0].AuthorizeAsync(key, model: "mock-gpt");
        var family = await cluster[0].AuthorizeAsync(key, model: "gpt-4o-mini");
        var noModel = await cluster[0].AuthorizeAsync(key, model: null);
        var other = await cluster[0].AuthorizeAsync(key, model: "gpt-5");

        Assert.True(listed.Allowed);
        Assert.True(family.Allowed);
        Assert.True(noModel.Allowed);
        AssertRefused(other, 403, "model_not_allowed");
        Assert.Equal("model", other.Error!.Param);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task Authorize_KeyDeletedOnAnotherReplica_401InvalidApiKey(StoreKind store)
    {
        await using var cluster = await QuotaCluster.StartAsync(store, redis);
        var (id, key) = await cluster[0].CreateKeyAsync("""{"tenant":"acme"}""");
        Assert.True((await cluster[cluster.Replicas.Count - 1].AuthorizeAsync(key)).Allowed);

        using var deleted = await cluster[0].AdminAsync(HttpMethod.Delete, $"/admin/keys/{id}");
        AuthorizeDecision after = null!;
        await Wait.UntilAsync(async () => !(after = await cluster[cluster.Replicas.Count - 1].AuthorizeAsync(key)).Allowed, TimeSpan.FromSeconds(5), "the other replica refuses the deleted key");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        AssertRefused(after, 401, "invalid_api_key");
    }

    [Fact]
    public async Task Authorize_WithoutClusterSignature_403()
    {
        await using var cluster = await QuotaCluster.StartAsync(null, new Dictionary<string, string?> { ["AuthQuota:ApiKeys"] = Key });

        using var response = await cluster[0].Http.PostAsync(QuotaRoutes.Authorize, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"key_hash":"abc","model":null,"estimated_tokens":1,"stream":false,"reservation_id":"r1"}""", "key_hash")]
    [InlineData("""{"key_hash":"0000000000000000000000000000000000000000000000000000000000000000","estimated_tokens":1,"stream":false,"reservation_id":"{bad}"}""", "reservation_id")]
    [InlineData("""{"key_hash":"0000000000000000000000000000000000000000000000000000000000000000","estimated_tokens":-1,"stream":false,"reservation_id":"r1"}""", "estimated_tokens")]
    public async Task Authorize_InvalidRequest_400NamingTheParameter(string body, string param)
    {
        await using var cluster = await QuotaCluster.StartAsync(null);

        using var response = await cluster[0].SendSignedAsync(QuotaRoutes.Authorize, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"param\":\"{param}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("r1", """{"key_hash":"abc","tokens":10}""", "key_hash")]
    [InlineData("r1", """{"key_hash":"0000000000000000000000000000000000000000000000000000000000000000","tokens":0}""", "tokens")]
    [InlineData("r1", """{"key_hash":"0000000000000000000000000000000000000000000000000000000000000000","tokens":1000000000001}""", "tokens")]
    [InlineData("r1", """{"key_hash":"0000""", null)]
    [InlineData("r!1", """{"key_hash":"0000000000000000000000000000000000000000000000000000000000000000","tokens":10}""", "reservation_id")]
    public async Task Extend_InvalidRequest_400(string reservationId, string body, string? param)
    {
        await using var cluster = await QuotaCluster.StartAsync(null);

        using var response = await cluster[0].SendSignedAsync(QuotaRoutes.Extend(reservationId), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"type\":\"invalid_request_error\"", text, StringComparison.Ordinal);
        Assert.Contains(param is null ? "\"code\":\"invalid_json\"" : $"\"param\":\"{param}\"", text, StringComparison.Ordinal);
    }

    private static void AssertRefused(AuthorizeDecision decision, int status, string code)
    {
        Assert.False(decision.Allowed);
        Assert.Equal(status, decision.Status);
        Assert.Equal(code, decision.Error!.Code);
    }
}
