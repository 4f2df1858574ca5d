using System.Diagnostics.Metrics;
using AiCdn.LlmMock.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AiCdn.LlmMock.Tests;

/// <summary>The mock's meter (AiCdn.LlmMock) reports requests, tokens and faults with bounded labels.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task CompletedAndFaultedRequests_AreCounted()
    {
        await using var host = await MockServer.StartAsync();
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, LlmMockMetrics.MeterName, "aicdn.requests");
        using var tokens = new MetricCollector<long>(meters, LlmMockMetrics.MeterName, "aicdn.tokens");
        using var faults = new MetricCollector<long>(meters, LlmMockMetrics.MeterName, "aicdn.mock.faults");
        using var client = host.CreateClient();

        using (await client.SendAsync(Chat.Completion(Chat.Body(maxTokens: 4))))
        using (await client.SendAsync(Chat.Completion(Chat.Body(), ("x-mock-fault", "status=503"))))
        {
        }

        await AiCdn.Testing.Wait.UntilAsync(() => requests.GetMeasurementSnapshot().Count >= 2, TimeSpan.FromSeconds(10), "two request measurements");
        var measured = requests.GetMeasurementSnapshot();
        Assert.Contains(measured, m => (string?)m.Tags["status_class"] == "2xx" && (string?)m.Tags["route"] == "chat_completions" && (string?)m.Tags["result"] == "ok");
        Assert.Contains(measured, m => (string?)m.Tags["status_class"] == "5xx" && (string?)m.Tags["result"] == "error");
        Assert.Contains(tokens.GetMeasurementSnapshot(), m => (string?)m.Tags["kind"] == "completion" && m.Value == 4 && (string?)m.Tags["model"] == "mock-gpt");
        Assert.Contains(faults.GetMeasurementSnapshot(), m => (string?)m.Tags["kind"] == "status");
    }
}
