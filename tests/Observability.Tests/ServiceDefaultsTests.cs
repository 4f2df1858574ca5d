using System.Diagnostics.Metrics;
using AiCdn.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace AiCdn.Observability.Tests;

public sealed class ServiceDefaultsTests
{
    [Theory]
    [InlineData("aicdn.time_to_first_token")]
    [InlineData("gen_ai.server.time_to_first_token")]
    public void MetricViews_OurSecondsHistogram_GetsBucketsFromAMillisecondToTenMinutes(string name)
    {
        using var meter = new Meter("AiCdn.Test");
        var histogram = meter.CreateHistogram<double>(name, "s");

        var view = Assert.IsType<ExplicitBucketHistogramConfiguration>(MetricViews.Select(histogram));

        Assert.Equal(0.001, view.Boundaries![0]);
        Assert.Equal(600, view.Boundaries[^1]);
        Assert.Contains(0.1, view.Boundaries);
        Assert.Equal(view.Boundaries.Order(), view.Boundaries);
    }

    [Fact]
    public void MetricViews_TokenHistogram_GetsPowersOfFour()
    {
        using var meter = new Meter("AiCdn.Test");
        var histogram = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}");

        var view = Assert.IsType<ExplicitBucketHistogramConfiguration>(MetricViews.Select(histogram));

        Assert.Equal([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304], view.Boundaries!);
    }

    [Fact]
    public void MetricViews_InstrumentWithBucketAdvice_KeepsItsOwn()
    {
        using var meter = new Meter("AiCdn.Test");
        var histogram = meter.CreateHistogram("aicdn.quota.store.duration", "s", null, null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.001] });

        Assert.Null(MetricViews.Select(histogram));
    }

    [Fact]
    public void MetricViews_OtherInstruments_AreLeftAlone()
    {
        using var meter = new Meter("Microsoft.AspNetCore.Hosting");

        Assert.Null(MetricViews.Select(meter.CreateHistogram<double>("http.server.request.duration", "s")));
        Assert.Null(MetricViews.Select(meter.CreateCounter<long>("aicdn.requests", "{request}")));
        Assert.Null(MetricViews.Select(meter.CreateHistogram<double>("aicdn.body.size", "By")));
    }

    [Theory]
    [InlineData("CoreRelay", "core-relay")]
    [InlineData("EdgeGateway", "edge-gateway")]
    [InlineData("AuthQuota", "auth-quota")]
    [InlineData("LlmMock", "llm-mock")]
    [InlineData("AiCdn.AppHost", "ai-cdn-app-host")]
    [InlineData("already-kebab", "already-kebab")]
    public void KebabCase_AssemblyName_IsTheAspireResourceName(string assembly, string expected) =>
        Assert.Equal(expected, ServiceResource.KebabCase(assembly));

    [Fact]
    public void MemoryLimit_CgroupV2_TheTightestLimitOnThePathWins()
    {
        using var root = new TempDirectory();
        root.Write("proc", "0::/system.slice/aicdn-core.service\n");
        root.Write("cgroup/system.slice/memory.max", "2147483648\n");
        root.Write("cgroup/system.slice/aicdn-core.service/memory.max", "max\n");

        Assert.Equal(2147483648, MemoryLimit.Read(root.Path("proc"), root.Path("cgroup"), physical: 8589934592));
    }

    [Fact]
    public void MemoryLimit_CgroupV2WithNamespace_ReadsTheRoot()
    {
        using var root = new TempDirectory();
        root.Write("proc", "0::/\n");
        root.Write("cgroup/memory.max", "536870912\n");

        Assert.Equal(536870912, MemoryLimit.Read(root.Path("proc"), root.Path("cgroup"), physical: 8589934592));
    }

    [Fact]
    public void MemoryLimit_CgroupV1_ReadsTheMemoryController()
    {
        using var root = new TempDirectory();
        root.Write("proc", "5:cpu,cpuacct:/\n4:memory:/kubepods/pod1/c1\n0::/\n");
        root.Write("cgroup/memory/kubepods/pod1/c1/memory.limit_in_bytes", "1073741824\n");
        root.Write("cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");

        Assert.Equal(1073741824, MemoryLimit.Read(root.Path("proc"), root.Path("cgroup"), physical: 8589934592));
    }

    [Fact]
    public void MemoryLimit_NoCgroupLimit_IsThePhysicalMemory()
    {
        using var root = new TempDirectory();
        root.Write("proc", "0::/user.slice\n");
        root.Write("cgroup/user.slice/memory.max", "max\n");

        Assert.Equal(8589934592, MemoryLimit.Read(root.Path("proc"), root.Path("cgroup"), physical: 8589934592));
        Assert.Equal(8589934592, MemoryLimit.Read(root.Path("missing"), root.Path("cgroup"), physical: 8589934592));
    }

    [Theory]
    [InlineData("json", "json")]
    [InlineData("JSON", "json")]
    [InlineData("systemd", "systemd")]
    [InlineData("journald", "systemd")]
    [InlineData("simple", "simple")]
    public void ToLogFormatName_KnownFormats_MapToConsoleFormatters(string value, string expected) =>
        Assert.Equal(expected, EnvironmentAliases.ToLogFormatName(value));

    [Fact]
    public void ToLogFormatName_Unknown_StopsTheServiceWithTheChoices()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EnvironmentAliases.ToLogFormatName("xml"));

        Assert.Contains("json, systemd, simple", error.Message);
    }

    [Fact]
    public async Task AddServiceDefaults_StandaloneWithoutOtelServiceName_NamesTheServiceAfterItsAssembly()
    {
        await using var app = Build("CoreRelay", new Dictionary<string, string?>());

        var resource = app.Services.GetRequiredService<MeterProvider>().GetResource();
        var attributes = resource.Attributes.ToDictionary(a => a.Key, a => a.Value);

        Assert.Equal("core-relay", attributes["service.name"]);
        Assert.Equal("aicdn", attributes["service.namespace"]);
        Assert.True(attributes.ContainsKey("service.instance.id"));
    }

    [Fact]
    public async Task AddServiceDefaults_OtelServiceNameAndInstanceId_WinAsAspireSetsThem()
    {
        await using var app = Build("CoreRelay", new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "core-relay-eu",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=replica-7",
        });

        var attributes = app.Services.GetRequiredService<MeterProvider>().GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);

        Assert.Equal("core-relay-eu", attributes["service.name"]);
        Assert.Equal("replica-7", attributes["service.instance.id"]);
    }

    [Fact]
    public async Task AddServiceDefaults_LogFormatJson_SelectsTheJsonConsoleFormatter()
    {
        await using var app = Build("CoreRelay", new Dictionary<string, string?> { ["LOG_FORMAT"] = "json" });

        Assert.Equal("json", app.Services.GetRequiredService<IOptions<ConsoleLoggerOptions>>().Value.FormatterName);
    }

    private static WebApplication Build(string applicationName, Dictionary<string, string?> configuration)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = applicationName, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddServiceDefaults();
        return builder.Build();
    }

    private sealed class TempDirectory : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("aicdn-cgroup-");

        public string Path(string relative) => System.IO.Path.Combine(_directory.FullName, relative);

        public void Write(string relative, string content)
        {
            var path = Path(relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }

        public void Dispose() => _directory.Delete(recursive: true);
    }
}
