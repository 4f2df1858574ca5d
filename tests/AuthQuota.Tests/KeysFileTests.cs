using AiCdn.Common.Security;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Tests;

/// <summary>The declarative keys file: loaded at start-up, applied again on every change, refused when invalid.</summary>
public sealed class KeysFileTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private const string First = "sk-aicdn-file-key-first-0001";
    private const string Second = "sk-aicdn-file-key-second-0002";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("aicdn-keys-");

    private string FilePath => Path.Combine(_directory.FullName, "keys.yaml");

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task KeysFile_AtStartUp_KeysAndTenantLimitsApply(StoreKind store)
    {
        await File.WriteAllTextAsync(FilePath, $"""
            tenants:
              acme:
                requests_per_minute: 2
            keys:
              - key: {First}
                tenant: acme
                name: first
                models: [mock-gpt]
                limits:
                  tokens_per_minute: 1000
              - sha256: {ApiKeyHash.Compute(Second)}
                tenant: beta
                enabled: false
            """);
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?> { ["AuthQuota:KeysFile"] = FilePath });
        var client = cluster[0];

        var first = await client.AuthorizeAsync(First, tokens: 100);
        var wrongModel = await client.AuthorizeAsync(First, model: "gpt-5");
        var second = await client.AuthorizeAsync(Second);
        await client.AuthorizeAsync(First);
        var overTenant = await client.AuthorizeAsync(First);

        Assert.True(first.Allowed);
        Assert.Equal("acme", first.Tenant);
        Assert.Equal(1000, first.RateLimit!.LimitTokens);
        Assert.Equal(2, first.RateLimit.LimitRequests);
        Assert.Equal("model_not_allowed", wrongModel.Error!.Code);
        Assert.Equal("api_key_disabled", second.Error!.Code);
        Assert.Contains("on tenant acme", overTenant.Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Redis)]
    [InlineData(StoreKind.Memory)]
    public async Task KeysFile_Changed_NewKeyWorksAndRemovedKeyIsRefused(StoreKind store)
    {
        await File.WriteAllTextAsync(FilePath, $"keys:\n  - key: {First}\n    tenant: acme\n");
        await using var cluster = await QuotaCluster.StartAsync(store, redis, new Dictionary<string, string?> { ["AuthQuota:KeysFile"] = FilePath });
        Assert.True((await cluster[0].AuthorizeAsync(First)).Allowed);

        await File.WriteAllTextAsync(FilePath, $"keys:\n  - key: {Second}\n    tenant: acme\n");

        var last = cluster[cluster.Replicas.Count - 1];
        await Wait.UntilAsync(async () => (await last.AuthorizeAsync(Second)).Allowed, TimeSpan.FromSeconds(30), "the key added to the file is accepted");
        Assert.Equal("invalid_api_key", (await last.AuthorizeAsync(First)).Error!.Code);
    }

    [Fact]
    public async Task KeysFile_InvalidChange_KeepsTheLastGoodFile()
    {
        await File.WriteAllTextAsync(FilePath, $"keys:\n  - key: {First}\n    tenant: acme\n");
        await using var cluster = await QuotaCluster.StartAsync(null, new Dictionary<string, string?> { ["AuthQuota:KeysFile"] = FilePath },
            services: services => services.AddFakeLogging());
        var logs = cluster.Replicas[0].Services.GetFakeLogCollector();

        await File.WriteAllTextAsync(FilePath, $"keys:\n  - key: {Second}\n    tenant: acme\n    limits: {{ requests_per_minute: lots }}\n");

        await Wait.UntilAsync(() => logs.GetSnapshot().Any(r => r.Id.Name == "KeysFileInvalid"), TimeSpan.FromSeconds(30), "the invalid keys file is reported");
        var problem = logs.GetSnapshot().First(r => r.Id.Name == "KeysFileInvalid");
        Assert.Contains("keys[0].limits.requests_per_minute: 'lots'", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Second, problem.Message, StringComparison.Ordinal);
        Assert.True((await cluster[0].AuthorizeAsync(First)).Allowed);
        Assert.Equal("invalid_api_key", (await cluster[0].AuthorizeAsync(Second)).Error!.Code);

        await File.WriteAllTextAsync(FilePath, $"keys:\n  - key: {Second}\n    tenant: acme\n");
        await Wait.UntilAsync(async () => (await cluster[0].AuthorizeAsync(Second)).Allowed, TimeSpan.FromSeconds(30), "the corrected file is applied");
        Assert.Equal("invalid_api_key", (await cluster[0].AuthorizeAsync(First)).Error!.Code);
    }

    [Fact]
    public async Task KeysFile_InvalidAtStartUp_StartFailsListingEveryProblem()
    {
        await File.WriteAllTextAsync(FilePath, """
            tenants:
              "bad tenant":
                requests_per_minute: 5
            keys:
              - key: short
                tenant: acme
              - sha256: nothex
                tenant: acme
                limits:
                  tokens_per_week: 5
              - key: sk-aicdn-long-enough-key-0001
                expires_at: someday
            """);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            QuotaCluster.StartAsync(null, new Dictionary<string, string?> { ["AuthQuota:KeysFile"] = FilePath }));

        Assert.Contains("tenants.bad tenant", error.Message, StringComparison.Ordinal);
        Assert.Contains("keys[0].key: a key must be at least 16 characters long", error.Message, StringComparison.Ordinal);
        Assert.Contains("keys[1].sha256", error.Message, StringComparison.Ordinal);
        Assert.Contains("keys[1].limits.tokens_per_week", error.Message, StringComparison.Ordinal);
        Assert.Contains("keys[2].tenant", error.Message, StringComparison.Ordinal);
        Assert.Contains("keys[2].expires_at", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-aicdn-long-enough-key-0001", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
