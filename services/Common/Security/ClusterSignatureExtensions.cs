using AiCdn.Common.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AiCdn.Common.Security;

public static class ClusterSignatureExtensions
{
    /// <summary>Registers <see cref="ClusterSignature"/> from validated <see cref="ClusterOptions"/>.</summary>
    public static IHostApplicationBuilder AddClusterSignature(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string>
        {
            ["AICDN_CLUSTER_SECRET"] = "Cluster:Secret",
        });

        builder.Services.AddOptions<ClusterOptions>()
            .BindConfiguration(ClusterOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(sp => new ClusterSignature(
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Secret!,
            sp.GetRequiredService<TimeProvider>()));

        return builder;
    }

    /// <summary>Refuses (403, OpenAI-style) any request to these endpoints without a valid cluster signature.</summary>
    public static TBuilder RequireClusterSignature<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(static async (context, next) =>
        {
            var http = context.HttpContext;
            var signature = http.RequestServices.GetRequiredService<ClusterSignature>();
            if (!signature.Verify(http.Request))
            {
                return OpenAiErrors.Forbidden("This endpoint only answers other AiCdn services.");
            }

            return await next(context);
        });
        return builder;
    }
}
