using AiCdn.Common.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AiCdn.Common.Warmup;

public static class WarmupExtensions
{
    /// <summary>
    /// A warm-up gate: <paramref name="requests"/> says what the service sends itself after it
    /// started; <c>/health</c> (readiness) answers 503 until that is done or its time is up.
    /// <c>Warmup:Requests</c> (<c>WARMUP_REQUESTS</c>), <c>Warmup:MaxDuration</c>
    /// (<c>WARMUP_MAX_DURATION</c>), <c>Warmup:Concurrency</c>.
    /// </summary>
    public static IHostApplicationBuilder AddWarmup<TRequests>(this IHostApplicationBuilder builder)
        where TRequests : WarmupRequests
    {
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string> { ["WARMUP_REQUESTS"] = "Warmup:Requests" });
        builder.Configuration.AddEnvironmentAliases(
            new Dictionary<string, string> { ["WARMUP_MAX_DURATION"] = "Warmup:MaxDuration" },
            static (_, value) => DurationText.ToTimeSpanText(value));

        builder.Services.AddSingleton<IValidateOptions<WarmupOptions>, WarmupOptionsValidator>();
        builder.Services.AddOptions<WarmupOptions>()
            .BindConfiguration(WarmupOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<WarmupTraffic>();
        builder.Services.AddSingleton<WarmupGate>();
        builder.Services.AddSingleton<WarmupRequests, TRequests>();
        builder.Services.AddHostedService<WarmupService>();
        builder.Services.AddHealthChecks().AddCheck<WarmupHealthCheck>(WarmupHealthCheck.Name);
        return builder;
    }

    /// <summary>
    /// Recognises the process's warm-up requests (<see cref="WarmupTraffic"/>). First in the
    /// pipeline, so every later step can tell them apart; it also removes the header from every
    /// other request.
    /// </summary>
    public static IApplicationBuilder UseWarmupTraffic(this IApplicationBuilder app)
    {
        var traffic = app.ApplicationServices.GetRequiredService<WarmupTraffic>();
        return app.Use((context, next) =>
        {
            traffic.Recognise(context);
            return next(context);
        });
    }
}
