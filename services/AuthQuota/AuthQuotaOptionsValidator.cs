using System.Text.RegularExpressions;
using AiCdn.AuthQuota.Keys.File;
using AiCdn.Quota;
using AiCdn.Quota.Keys;
using AiCdn.Quota.Storage;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota;

/// <summary>Reports every configuration problem at start-up, at once (the keys file's included).</summary>
public sealed partial class AuthQuotaOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthQuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthQuotaOptions options)
    {
        var failures = new List<string>();
        if (!Identifiers.IsTenant(options.DefaultTenant))
        {
            failures.Add($"AuthQuota:DefaultTenant '{options.DefaultTenant}' is not a tenant name ({Identifiers.TenantRule}).");
        }

        CheckLimits("AuthQuota:DefaultLimits", options.DefaultLimits, failures);
        foreach (var (tenant, limits) in options.Tenants)
        {
            if (!Identifiers.IsTenant(tenant))
            {
                failures.Add($"AuthQuota:Tenants:{tenant}: a tenant name is {Identifiers.TenantRule}.");
            }

            CheckLimits($"AuthQuota:Tenants:{tenant}", limits, failures);
        }

        if (options.KeysFile is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                failures.Add($"AuthQuota:KeysFile (KEYS_FILE) '{file}' does not exist.");
            }
            else
            {
                var problems = new List<string>();
                KeysFileParser.Parse(File.ReadAllText(file), options.DefaultLimits.ToLimits(), problems);
                failures.AddRange(problems.Select(p => $"AuthQuota:KeysFile (KEYS_FILE) '{file}': {p}"));
            }
        }

        if (options.AdminToken is { Length: > 0 and < 16 })
        {
            failures.Add("AuthQuota:AdminToken (ADMIN_TOKEN) must be at least 16 characters long.");
        }

        if (options.ReservationTtl < TimeSpan.FromSeconds(10) || options.ReservationTtl > TimeSpan.FromDays(1))
        {
            failures.Add("AuthQuota:ReservationTtl must be between 00:00:10 and 1.00:00:00.");
        }

        if (!Enum.IsDefined(options.StoreFailureMode))
        {
            failures.Add("AuthQuota:StoreFailureMode must be FailClosed or FailOpen.");
        }

        if (options.FailOpenFor <= TimeSpan.Zero || options.FailOpenFor > TimeSpan.FromDays(1))
        {
            failures.Add("AuthQuota:FailOpenFor must be positive and at most 1.00:00:00.");
        }

        if (options.KeyCacheTtl < TimeSpan.Zero || options.KeyCacheTtl > TimeSpan.FromSeconds(1))
        {
            failures.Add("AuthQuota:KeyCacheTtl must be between 00:00:00 (off) and 00:00:01: key changes must count everywhere within a second.");
        }

        if (!KeyPrefixPattern().IsMatch(options.Redis.KeyPrefix ?? string.Empty))
        {
            failures.Add("AuthQuota:Redis:KeyPrefix must be 1 to 32 letters, digits, '.', '_' or '-'.");
        }

        if (options.Redis.CommandTimeout < TimeSpan.FromMilliseconds(10) || options.Redis.CommandTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add("AuthQuota:Redis:CommandTimeout must be between 00:00:00.010 and 00:01:00.");
        }

        if (options.Redis.ConnectTimeout < TimeSpan.FromMilliseconds(100) || options.Redis.ConnectTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add("AuthQuota:Redis:ConnectTimeout must be between 00:00:00.100 and 00:01:00.");
        }

        if (configuration.GetConnectionString("redis") is { Length: > 0 } connectionString
            && !RedisConnectionString.TryParse(connectionString, out _, out var error))
        {
            failures.Add("ConnectionStrings:redis (REDIS_URL) is not valid: " + error);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckLimits(string section, LimitsOptions limits, List<string> failures)
    {
        foreach (var (member, value) in new[]
        {
            ("RequestsPerMinute", limits.RequestsPerMinute),
            ("TokensPerMinute", limits.TokensPerMinute),
            ("TokensPerDay", limits.TokensPerDay),
            ("MaxConcurrentStreams", limits.MaxConcurrentStreams),
        })
        {
            if (value is < 1 or > KeyLimits.MaxValue)
            {
                failures.Add($"{section}:{member} must be from 1 to {KeyLimits.MaxValue} (leave it out for no limit).");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPrefixPattern();
}
