using AiCdn.Common.Errors;
using AiCdn.Common.Hosting;
using AiCdn.Common.Overload;
using AiCdn.Common.Security;
using AiCdn.Common.Warmup;
using AiCdn.EdgeGateway;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Forwarding;
using AiCdn.EdgeGateway.Hosting;
using AiCdn.EdgeGateway.Protection;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.EdgeGateway.Tls;
using AiCdn.EdgeGateway.WebSockets;
using AiCdn.Forwarding;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Microsoft.Extensions.Hosting;

public static class EdgeGatewayExtensions
{
    /// <summary>Time past the drain deadline for the closing events to be written before the host gives up.</summary>
    public static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(10);

    public static IHostApplicationBuilder AddEdgeGateway(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string>
        {
            ["CORE_NODE_HOST"] = "Edge:CoreNodes",
            ["CORE_TRANSPORT"] = "Edge:CoreTransport",
            ["CORE_CLIENT_CERT_FILE"] = "Edge:CoreClientCertificateFile",
            ["CORE_CLIENT_KEY_FILE"] = "Edge:CoreClientKeyFile",
            ["CORE_CA_FILE"] = "Edge:CoreCaFile",
            ["LISTEN_HTTP"] = "Edge:ListenHttp",
            ["LISTEN_WS"] = "Edge:ListenWs",
            ["LISTEN_QUIC"] = "Edge:ListenTls",
            ["METRICS_PORT"] = "Edge:ManagementListen",
            ["TLS_CERT_FILE"] = "Edge:Tls:CertificateFile",
            ["TLS_KEY_FILE"] = "Edge:Tls:KeyFile",
            ["RATE_LIMIT_GLOBAL"] = "Edge:Limits:GlobalRequestsPerSecond",
            ["MAX_CONNECTIONS"] = "Edge:Limits:MaxConnections",
            ["TRUSTED_PROXIES"] = "Edge:TrustedProxies",
        });
        builder.Configuration.AddEnvironmentAliases(
            new Dictionary<string, string>
            {
                ["DRAIN_TIMEOUT"] = "Edge:DrainTimeout",
                ["LINK_RESUME_TIMEOUT"] = "Edge:LinkResumeTimeout",
                ["SSE_KEEPALIVE_INTERVAL"] = "Edge:SseKeepAliveInterval",
                ["OVERLOAD_QUEUE_DELAY"] = "Edge:Overload:QueueDelayTarget",
            },
            static (_, value) => DurationText.ToTimeSpanText(value));

        builder.AddClusterSignature();
        builder.Services.AddSingleton<IValidateOptions<EdgeOptions>, EdgeOptionsValidator>();
        builder.Services.AddOptions<EdgeOptions>()
            .BindConfiguration(EdgeOptions.SectionName)
            .ValidateOnStart();

        // Kestrel waits for open streams until the host's shutdown timeout; it must outlast the drain.
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<EdgeOptions>>((host, edge) => host.ShutdownTimeout = edge.Value.DrainTimeout + DrainGrace);

        builder.Services.AddSingleton<EdgeMetrics>();
        builder.Services.AddSingleton<DrainCoordinator>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DrainCoordinator>());
        builder.Services.AddSingleton(sp => ConnectionLimits.For(sp.GetRequiredService<IOptions<EdgeOptions>>().Value, OpenFileLimit.Read()));
        builder.Services.AddSingleton<ConnectionGate>();
        builder.Services.AddOverloadDetection<EdgeOptions>(edge => edge.Overload);
        builder.Services.AddSingleton<EdgeCertificateStore>();
        builder.Services.AddSingleton<EdgeRateLimiters>();
        builder.Services.AddSingleton<CoreChatClient>();
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, EdgeListeners>();
        builder.AddWarmup<EdgeWarmupRequests>();

        builder.Services.AddHealthChecks()
            .AddCheck<DrainHealthCheck>("draining")
            .AddCheck<CoresHealthCheck>("cores");
        builder.Services.Configure<HealthCheckOptions>(health => health.ResponseWriter = HealthReportWriter.WriteAsync);

        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<EdgeOptions>>((forwarded, edge) =>
        {
            // Only the configured proxies are believed; by default ASP.NET Core trusts loopback.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            forwarded.ForwardLimit = null;
            ClientAddresses.TryParseNetworks(edge.Value.TrustedProxies, out var networks, out _);
            foreach (var network in networks)
            {
                forwarded.KnownIPNetworks.Add(network);
            }
        });

        var options = builder.Configuration.GetSection(EdgeOptions.SectionName).Get<EdgeOptions>() ?? new EdgeOptions();
        var (routes, clusters) = CoreProxyConfig.Build(options);
        builder.Services.AddReverseProxy()
            .LoadFromMemory(routes, clusters)
            .AddServiceDiscoveryDestinationResolver()
            .AddHopHealthPolicies()
            .AddTransforms<EdgeTransforms>();
        builder.Services.AddSingleton<CoreNodeDirectory>();
        builder.Services.AddSingleton<IForwarderHttpClientFactory, CoreHttpClientFactory>();

        return builder;
    }

    /// <summary>
    /// The edge's request pipeline and endpoints. Public listeners: limits, then the WebSocket chat
    /// endpoint, the relay to the cores and OpenAI's 404. The management listener: whatever else is
    /// mapped (ServiceDefaults' health and metrics).
    /// </summary>
    public static WebApplication MapEdgeGateway(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<EdgeOptions>>().Value;

        app.UseOpenAiErrors();
        app.UseWarmupTraffic();
        app.UseMiddleware<ListenerRoutingMiddleware>();
        if (!string.IsNullOrWhiteSpace(options.TrustedProxies))
        {
            app.UseForwardedHeaders();
        }

        app.UseMiddleware<EdgeTelemetryMiddleware>();

        // Before UseWebSockets, which takes the upgrade features a chat socket's frames are counted through.
        app.UseMiddleware<FrameBudgetMiddleware>();

        // Before the limits, so they can tell an upgrade request (the feature is this middleware's).
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.WebSocket.KeepAliveInterval });
        app.UseMiddleware<RequestLimitsMiddleware>();
        app.UseMiddleware<RateLimitingMiddleware>();

        app.MapWebSocketChat().WithMetadata(PublicEndpointMetadata.Instance);
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<ResumeRoutingMiddleware>();
            pipeline.UseMiddleware<CoreFailoverMiddleware>();
            pipeline.UseLoadBalancing();
            pipeline.UseMiddleware<WarmupStopMiddleware>();
            pipeline.UsePassiveHealthChecks();
        }).WithMetadata(PublicEndpointMetadata.Instance);
        app.MapOpenAiFallback().WithMetadata(PublicEndpointMetadata.Instance);
        return app;
    }
}
