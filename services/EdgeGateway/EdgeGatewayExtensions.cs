using AiCdn.Common.Errors;
using AiCdn.Common.Security;
using AiCdn.EdgeGateway;
using AiCdn.EdgeGateway.Forwarding;

namespace Microsoft.Extensions.Hosting;

public static class EdgeGatewayExtensions
{
    public static IHostApplicationBuilder AddEdgeGateway(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string>
        {
            ["CORE_NODE_HOST"] = "Edge:CoreNodes",
        });

        builder.AddClusterSignature();
        builder.Services.AddOptions<EdgeOptions>()
            .BindConfiguration(EdgeOptions.SectionName)
            .ValidateOnStart();

        var options = builder.Configuration.GetSection(EdgeOptions.SectionName).Get<EdgeOptions>() ?? new EdgeOptions();
        var (routes, clusters) = CoreProxyConfig.Build(options);
        builder.Services.AddReverseProxy()
            .LoadFromMemory(routes, clusters)
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms<EdgeTransforms>();

        return builder;
    }

    public static IEndpointRouteBuilder MapEdgeGateway(this IEndpointRouteBuilder app)
    {
        app.MapReverseProxy();
        app.MapOpenAiFallback();
        return app;
    }
}
