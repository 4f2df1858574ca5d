using AiCdn.Common.Security;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Keys;

/// <summary>Seeds the keys listed in <c>API_KEYS</c> into the store at start-up, hashed.</summary>
public sealed partial class ApiKeysSeeder(IKeyStore store, IOptions<AuthQuotaOptions> options, ILogger<ApiKeysSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var keys = (options.Value.ApiKeys ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var key in keys)
        {
            var hash = ApiKeyHash.Compute(key);
            // The id is derived from the digest, so restarts keep ids stable without storing the key.
            var id = "key_" + hash[..16];
            await store.AddAsync(new ApiKeyRecord(id, hash, options.Value.DefaultTenant, "API_KEYS", Enabled: true, ExpiresAt: null), cancellationToken);
        }

        LogSeeded(logger, keys.Length);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, EventName = "KeysSeeded", Level = LogLevel.Information, Message = "Seeded {Count} API key(s) from API_KEYS (stored as SHA-256 digests).")]
    private static partial void LogSeeded(ILogger logger, int count);
}
