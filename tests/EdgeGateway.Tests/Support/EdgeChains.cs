using System.Diagnostics.Metrics;
using System.Text.Json;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.EdgeGateway.Tests.Support;

public static class EdgeChains
{
    /// <summary>A chain whose edge has these settings and, when given, this clock.</summary>
    public static Task<Chain> StartAsync(Dictionary<string, string?> edge, FakeTimeProvider? time = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? coreServices = null, Dictionary<string, string?>? core = null) =>
        Chain.StartAsync(new ChainSettings
        {
            Edge = edge,
            Core = core ?? [],
            EdgeServices = time is null ? null : services => services.AddSingleton<TimeProvider>(time),
            CoreServices = coreServices,
        });

    public static FakeTimeProvider Clock() => new(DateTimeOffset.UtcNow);

    public static MetricCollector<long> Rejections(this ServiceHost edge) =>
        new(edge.Services.GetRequiredService<IMeterFactory>(), EdgeMetrics.MeterName, "aicdn.ratelimit.rejections");

    public static int Count(this MetricCollector<long> collector, string limit) =>
        (int)collector.GetMeasurementSnapshot().Where(m => m.Tags.TryGetValue("limit", out var value) && (string?)value == limit).Sum(m => m.Value);

    /// <summary>The error object of an OpenAI-style error body.</summary>
    public static async Task<JsonElement> ErrorAsync(this HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").Clone();
    }
}
