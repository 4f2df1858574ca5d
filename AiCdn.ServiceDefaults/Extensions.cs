using AiCdn.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every AiCdn service shares: OpenTelemetry (OTLP when Aspire or an operator sets
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, Prometheus at <c>/metrics</c>), health endpoints, service
/// discovery, and the original's <c>LOG_LEVEL</c>. Services never repeat any of it.
/// </summary>
public static class Extensions
{
    /// <summary>Meter and activity-source names all AiCdn components publish under.</summary>
    public const string TelemetryPrefix = "AiCdn";

    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string MetricsEndpointPath = "/metrics";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.AddEnvironmentAliases(
            new Dictionary<string, string>
            {
                ["LOG_LEVEL"] = "Logging:LogLevel:Default",
                ["LOG_FORMAT"] = "Logging:Console:FormatterName",
            },
            static (variable, value) => variable == "LOG_FORMAT"
                ? EnvironmentAliases.ToLogFormatName(value)
                : EnvironmentAliases.ToLogLevelName(value));
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string> { ["TRACES"] = TracesSetting });

        builder.Services.AddSingleton(TimeProvider.System);

        // These categories write each request's full URL, query string included (where a careless
        // client puts its key), and YARP's logs every client-caused forwarding error with a stack
        // trace. The services' own access logs carry the path only and log forwarding failures
        // themselves, so these stay quiet whatever LOG_LEVEL says (docs/security.md).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.Information);
        builder.Logging.AddFilter("Yarp.ReverseProxy.Forwarder.HttpForwarder", LogLevel.Error);

        // OpenTelemetry redacts query values in url.query and url.full unless told not to; Aspire's
        // AppHost tells it not to for local runs. Keys must not reach traces there either.
        builder.Configuration.AddInMemoryCollection(
        [
            KeyValuePair.Create("OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION", (string?)bool.FalseString),
            KeyValuePair.Create("OTEL_DOTNET_EXPERIMENTAL_HTTPCLIENT_DISABLE_URL_QUERY_REDACTION", (string?)bool.FalseString),
        ]);

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // No blanket resilience handler here: its 30 s total timeout would cut LLM streams.
            // Each client that wants retries adds a policy fitted to its calls.
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        ProcessMetrics.EnsureCreated();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => ServiceResource.Configure(resource, builder.Configuration, builder.Environment))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter($"{TelemetryPrefix}.*")
                .AddView(MetricViews.Select)
                .AddPrometheusExporter());

        // Spans cost every hop a few percent of its CPU (docs/perf); they are made only when they
        // have somewhere to go. Without them a client's W3C trace context still passes through
        // every hop, so a trace continues past us where the origin records one. Which requests are
        // recorded: OTEL_TRACES_SAMPLER(_ARG), e.g. parentbased_traceidratio and 0.01 at the edge,
        // where traces start; the other hops follow the edge's decision (their default is parent-based).
        if (TracesEnabled(builder.Configuration))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource($"{TelemetryPrefix}.*")
                .AddSource("Yarp.ReverseProxy")
                .AddAspNetCoreInstrumentation(options =>
                    // Scrapes and probes would drown the request traces.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                        && !context.Request.Path.StartsWithSegments(MetricsEndpointPath))
                .AddHttpClientInstrumentation());
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// <c>Telemetry:Traces</c> (env <c>TRACES</c>): <c>auto</c> (the default: when an OTLP endpoint
    /// is configured and <c>OTEL_TRACES_EXPORTER</c> is not <c>none</c>), <c>on</c> or <c>off</c>.
    /// </summary>
    public static bool TracesEnabled(IConfiguration configuration)
    {
        var setting = configuration[TracesSetting]?.Trim().ToLowerInvariant();
        return setting switch
        {
            "on" or "true" => true,
            "off" or "false" => false,
            null or "" or "auto" =>
                !string.Equals(configuration["OTEL_TRACES_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase)
                && (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
                    || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])),
            _ => throw new InvalidOperationException($"{TracesSetting} (env TRACES) must be auto, on or off, not '{setting}'."),
        };
    }

    public const string TracesSetting = "Telemetry:Traces";

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (readiness: every check), <c>/alive</c> (liveness: the "live" checks) and
    /// <c>/metrics</c> (Prometheus). They answer status words only, never details, so they are safe
    /// in every environment; the edge moves them to its management port.
    /// </summary>
    public static IEndpointConventionBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(string.Empty);
        group.MapHealthChecks(HealthEndpointPath);
        group.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains("live"),
        });
        group.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        return group;
    }
}
