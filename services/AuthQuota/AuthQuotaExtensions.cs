using AiCdn.AuthQuota;
using AiCdn.AuthQuota.Decisions;
using AiCdn.AuthQuota.Keys;
using AiCdn.Common.Errors;
using AiCdn.Common.Security;

namespace Microsoft.Extensions.Hosting;

public static class AuthQuotaExtensions
{
    public static IHostApplicationBuilder AddAuthQuota(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string>
        {
            ["API_KEYS"] = "AuthQuota:ApiKeys",
        });

        builder.AddClusterSignature();
        builder.Services.AddOptions<AuthQuotaOptions>()
            .BindConfiguration(AuthQuotaOptions.SectionName)
            .ValidateOnStart();

        builder.Services.AddSingleton<IKeyStore, InMemoryKeyStore>();
        builder.Services.AddHostedService<ApiKeysSeeder>();
        builder.Services.AddSingleton<QuotaDecider>();

        return builder;
    }

    public static IEndpointRouteBuilder MapAuthQuota(this IEndpointRouteBuilder app)
    {
        app.MapAuthorizeApi();
        app.MapOpenAiFallback();
        return app;
    }
}
