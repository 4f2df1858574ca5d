using AiCdn.Common.Errors;
using AiCdn.Common.Hosting;
using AiCdn.Common.Overload;
using AiCdn.Common.Security;
using AiCdn.Common.Warmup;
using AiCdn.CoreRelay;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Admission;
using AiCdn.CoreRelay.Forwarding;
using AiCdn.CoreRelay.Hosting;
using AiCdn.CoreRelay.Quota;
using AiCdn.CoreRelay.Resumable;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Forwarding;
using AiCdn.Quota.Storage;
using AiCdn.Tokens;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class CoreRelayExtensions
{
    public static IHostApplicationBuilder AddCoreRelay(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string>
        {
            ["LLM_SOURCE_HOST"] = "CoreRelay:Origins",
            ["LLM_SOURCE_PORT"] = "CoreRelay:OriginPort",
            ["LLM_SOURCE_API_KEY"] = "CoreRelay:OriginApiKey",
            ["LLM_SOURCE_PROTOCOL"] = "CoreRelay:OriginProtocol",
            ["AUTH_QUOTA_URL"] = "CoreRelay:AuthQuotaUrl",
            ["MAX_PENDING_DECISIONS"] = "CoreRelay:MaxPendingDecisions",
            ["QUOTA_DIRECT"] = "CoreRelay:DirectQuota",
            ["REDIS_URL"] = "ConnectionStrings:redis",
            ["REDIS_CONNECTION"] = "ConnectionStrings:redis",
            ["ORIGIN_HEALTH_PATH"] = "CoreRelay:OriginHealthCheckPath",
            ["FORWARD_REQUEST_HEADERS"] = "CoreRelay:ForwardRequestHeaders",
            ["RESUMABLE_STREAMS"] = "CoreRelay:Resumable:Enabled",
            ["CORE_NODE_ID"] = "CoreRelay:Resumable:NodeId",
            ["LISTEN_H2C"] = "CoreRelay:ListenH2c",
            ["LISTEN_TLS"] = "CoreRelay:ListenTls",
            ["TLS_CERT_FILE"] = "CoreRelay:Tls:CertificateFile",
            ["TLS_KEY_FILE"] = "CoreRelay:Tls:KeyFile",
            ["CLIENT_CA_FILE"] = "CoreRelay:Tls:ClientCaFile",
        });

        builder.Configuration.AddEnvironmentAliases(
            new Dictionary<string, string>
            {
                // A bare number is seconds, as the variables' names say; 90s, 2m and 500ms work too.
                ["RESUME_GRACE_SECONDS"] = "CoreRelay:Resumable:GracePeriod",
                ["KEY_CONTEXT_MAX_AGE_SECONDS"] = "CoreRelay:KeyContextMaxAge",
                ["OVERLOAD_QUEUE_DELAY"] = "CoreRelay:Overload:QueueDelayTarget",
            },
            static (_, value) => DurationText.ToTimeSpanText(value));

        var options = builder.Configuration.GetSection(CoreRelayOptions.SectionName).Get<CoreRelayOptions>() ?? new CoreRelayOptions();
        builder.AddClusterSignature();
        builder.Services.AddSingleton<IValidateOptions<CoreRelayOptions>, CoreRelayOptionsValidator>();
        builder.Services.AddOptions<CoreRelayOptions>()
            .BindConfiguration(CoreRelayOptions.SectionName)
            .ValidateOnStart();

        builder.Services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>, CoreListeners>();
        builder.AddWarmup<CoreWarmupRequests>();
        builder.Services.AddSingleton(_ => TokenCounter.Default);
        builder.Services.AddSingleton<SseEventInspector>();
        builder.Services.AddSingleton<CoreRelayMetrics>();
        builder.Services.AddSingleton<AccessLog>();
        builder.Services.AddSingleton<AdmissionRejections>();
        builder.Services.AddSingleton<DecisionSlots>();
        builder.Services.AddOverloadDetection<CoreRelayOptions>(core => core.Overload);
        builder.Services.AddSingleton<OriginCooldowns>();
        builder.Services.AddSingleton<OriginHeaderPolicy>();
        builder.Services.AddSingleton<SettlementQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SettlementQueue>());
        builder.Services.AddSingleton<LeaseRenewer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LeaseRenewer>());

        // Registered after the settlement queue so it stops first: streams cancelled at shutdown
        // settle through a queue that is still draining.
        builder.Services.AddSingleton<StreamRegistry>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamRegistry>());
        builder.Services.AddSingleton<StreamResumer>();
        // With the quota store's address, decisions are made against Redis here (see DirectQuota).
        if (options.DirectQuota && builder.Configuration.GetConnectionString("redis") is { Length: > 0 } redis)
        {
            builder.Services.AddQuotaStoreConnection<CoreRelayMetrics>(redis, "core-relay", _ => new RedisStoreOptions());
            builder.Services.AddSingleton<QuotaStoreVerifier>();
            builder.Services.AddSingleton<KeyChangeListener>();
            builder.Services.AddSingleton<KeyContextCache>();
            builder.Services.AddSingleton<DirectQuota>();
        }

        builder.Services.AddHttpClient<QuotaDecisions>((sp, http) =>
            {
                http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<CoreRelayOptions>>().Value.AuthQuotaUrl);
                http.Timeout = TimeSpan.FromSeconds(10);
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // A burst of admissions reuses a bounded pool instead of opening a socket per
                // request on both sides (which is how an overloaded core starves auth-quota).
                MaxConnectionsPerServer = sp.GetRequiredService<IOptions<CoreRelayOptions>>().Value.AuthQuotaMaxConnections,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(2),
            })
            .AddAuthQuotaResilience();

        var (routes, clusters) = OriginProxyConfig.Build(options);
        builder.Services.AddReverseProxy()
            .LoadFromMemory(routes, clusters)
            .AddServiceDiscoveryDestinationResolver()
            .AddHopHealthPolicies()
            .AddTransforms<RelayTransforms>();
        builder.Services.AddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, OriginHttpClientFactory>();

        return builder;
    }

    public static WebApplication MapCoreRelay(this WebApplication app)
    {
        app.UseOpenAiErrors();
        app.UseWarmupTraffic();

        // The request path, top to bottom (docs/request-flow.md): only edges; can this core take it
        // now; what the request is; may this key make it; charge what the origin did; try the origins.
        app.UseWhen(
            static context => context.Request.Path.StartsWithSegments("/v1") || context.Request.Path.StartsWithSegments("/internal"),
            api => api.UseMiddleware<EdgeAuthenticationMiddleware>());
        app.MapResumeApi();
        app.MapLostStreamApi();
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<OverloadMiddleware>();
            pipeline.UseMiddleware<RequestInspectionMiddleware>();
            pipeline.UseMiddleware<AuthorizationMiddleware>();
            pipeline.UseMiddleware<SettlementMiddleware>();
            pipeline.UseMiddleware<FailoverMiddleware>();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        app.MapOpenAiFallback();
        return app;
    }
}
