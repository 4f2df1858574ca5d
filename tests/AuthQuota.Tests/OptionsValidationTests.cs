using Microsoft.Extensions.Configuration;

namespace AiCdn.AuthQuota.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Validate_ManyProblems_ReportsEveryOne()
    {
        var options = new AuthQuotaOptions
        {
            DefaultTenant = "no spaces allowed",
            DefaultLimits = new LimitsOptions { RequestsPerMinute = 0 },
            Tenants = { ["acme"] = new LimitsOptions { TokensPerDay = -1 } },
            KeysFile = "/nonexistent/keys.yaml",
            AdminToken = "short",
            ReservationTtl = TimeSpan.FromSeconds(1),
            FailOpenFor = TimeSpan.Zero,
            Redis = { KeyPrefix = "{bad}", CommandTimeout = TimeSpan.Zero },
        };
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:redis"] = "redis://:hunter2@[bad" })
            .Build();

        var result = new AuthQuotaOptionsValidator(configuration).Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:DefaultTenant", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:DefaultLimits:RequestsPerMinute", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:Tenants:acme:TokensPerDay", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:KeysFile", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:AdminToken", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:ReservationTtl", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:FailOpenFor", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:Redis:KeyPrefix", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AuthQuota:Redis:CommandTimeout", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ConnectionStrings:redis", StringComparison.Ordinal));
        Assert.Equal(10, failures.Count);
        Assert.DoesNotContain("hunter2", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var result = new AuthQuotaOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, new AuthQuotaOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }
}
