using AiCdn.AuthQuota;
using AiCdn.AuthQuota.Admin;
using AiCdn.AuthQuota.Decisions;
using AiCdn.AuthQuota.Keys;
using AiCdn.AuthQuota.Keys.Redis;
using AiCdn.AuthQuota.Storage;
using AiCdn.AuthQuota.Telemetry;
using AiCdn.AuthQuota.Tenants;
using AiCdn.Common.Errors;
using AiCdn.Common.Security;
using AiCdn.Quota;
using AiCdn.Quota.InMemory;
using AiCdn.Quota.Redis;
using AiCdn.Quota.Storage;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class AuthQuotaExtensions
{
    public const string RedisConnectionName = "redis";

    public static IHostApplicationBuilder AddAuthQuota(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string>
        {
            ["API_KEYS"] = "AuthQuota:ApiKeys",
            ["ADMIN_TOKEN"] = "AuthQuota:AdminToken",
            ["KEYS_FILE"] = "AuthQuota:KeysFile",
            ["REDIS_URL"] = $"ConnectionStrings:{RedisConnectionName}",
            ["REDIS_CONNECTION"] = $"ConnectionStrings:{RedisConnectionName}",
        });

        builder.AddClusterSignature();
        builder.Services.AddOptions<AuthQuotaOptions>()
            .BindConfiguration(AuthQuotaOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthQuotaOptions>, AuthQuotaOptionsValidator>();

        builder.Services.AddSingleton<QuotaMetrics>();
        builder.Services.AddSingleton<TenantDirectory>();
        builder.Services.AddSingleton<LastKnownKeys>();
        builder.Services.AddSingleton<KeyRecordCache>();
        builder.Services.AddSingleton<StoreFailover>();
        builder.Services.AddSingleton<AbandonedReservations>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AbandonedReservations>());
        builder.Services.AddSingleton<QuotaDecider>();
        builder.Services.AddSingleton<AdminAuditLog>();

        // Shared limits need Redis; without a connection string this replica keeps them in memory.
        if (builder.Configuration.GetConnectionString(RedisConnectionName) is { Length: > 0 } connectionString)
        {
            builder.Services.AddQuotaStoreConnection<QuotaMetrics>(connectionString, "auth-quota", sp => sp.GetRequiredService<IOptions<AuthQuotaOptions>>().Value.Redis);
            builder.Services.AddSingleton<IKeyStore, RedisKeyStore>();
            builder.Services.AddHostedService<KeyCacheInvalidation>();
            builder.Services.AddSingleton(sp => new RedisQuotaStore(sp.GetRequiredService<RedisConnection>()));
            builder.Services.AddSingleton<IQuotaStore>(sp => sp.GetRequiredService<RedisQuotaStore>());
            builder.Services.AddHealthChecks().AddCheck<QuotaStoreHealthCheck>("quota-store");
        }
        else
        {
            builder.Services.AddSingleton<IKeyStore, InMemoryKeyStore>();
            builder.Services.AddSingleton<InMemoryQuotaStore>();
            builder.Services.AddSingleton<IQuotaStore>(sp => sp.GetRequiredService<InMemoryQuotaStore>());
        }

        builder.Services.AddHostedService<QuotaStoreAnnouncement>();
        builder.Services.AddHostedService<KeySourceSync>();
        return builder;
    }

    public static WebApplication MapAuthQuota(this WebApplication app)
    {
        app.UseOpenAiErrors();
        app.MapAuthorizeApi();
        app.MapAdminApi();
        app.MapOpenAiFallback();
        return app;
    }
}
