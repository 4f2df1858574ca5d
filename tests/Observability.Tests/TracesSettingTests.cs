using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace AiCdn.Observability.Tests;

/// <summary>Spans are made only when they have somewhere to go, unless told otherwise.</summary>
public sealed class TracesSettingTests
{
    [Theory]
    [InlineData(null, null, null, null, false)]
    [InlineData(null, "http://collector:4317", null, null, true)]
    [InlineData("auto", null, "http://collector:4318/v1/traces", null, true)]
    [InlineData(null, "http://collector:4317", null, "none", false)]
    [InlineData("on", null, null, null, true)]
    [InlineData("off", "http://collector:4317", null, null, false)]
    [InlineData("OFF", "http://collector:4317", null, null, false)]
    public void TracesEnabled_FollowsTheSettingAndTheExporter(string? setting, string? endpoint, string? tracesEndpoint, string? exporter, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [Extensions.TracesSetting] = setting,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = tracesEndpoint,
            ["OTEL_TRACES_EXPORTER"] = exporter,
        }).Build();

        Assert.Equal(expected, Extensions.TracesEnabled(configuration));
    }

    [Fact]
    public void TracesEnabled_UnknownValue_StopsStartUpNamingTheSetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [Extensions.TracesSetting] = "sometimes" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => Extensions.TracesEnabled(configuration));
        Assert.Contains("TRACES", error.Message);
    }
}
