using System.Net;
using System.Reflection;
using AiCdn.Common.Warmup;
using AiCdn.Observability.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace AiCdn.Observability.Tests;

/// <summary>
/// Secrets never reach the logs: every log line of all four services, at every level down to
/// Trace (HttpClient's header logging, YARP, Kestrel included), is captured while keys travel
/// through the chain, then searched for each secret.
/// </summary>
public sealed class LogRedactionTests
{
    private const string OriginKey = "sk-origin-secret-0123456789abcdefghij";
    private const string RefusedKey = "sk-aicdn-refused-key-9876543210zyxwvu";

    [Fact]
    public async Task Logs_AtTraceLevelWhileKeysTravel_NeverContainKeysOrSecrets()
    {
        var logs = new CapturingLoggerProvider();
        await using var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            // With warm-up, whose secret header value and made-up key must not be logged either.
            Core = { ["CoreRelay:OriginApiKey"] = OriginKey, ["Warmup:Requests"] = "20" },
            Edge = { ["Warmup:Requests"] = "20" },
            MockServices = logs.AddTo,
            AuthQuotaServices = logs.AddTo,
            CoreServices = logs.AddTo,
            EdgeServices = logs.AddTo,
        });

        var warmupSecrets = new List<string>();
        foreach (var host in new[] { chain.Chain.Core, chain.Chain.Edge })
        {
            var gate = host.Services.GetRequiredService<WarmupGate>();
            await Wait.UntilAsync(() => gate.IsOpen, TimeSpan.FromSeconds(30), "warm-up to end");
            Assert.Equal(20, gate.Sent);
            warmupSecrets.Add((string)typeof(WarmupTraffic).GetProperty("Secret", BindingFlags.NonPublic | BindingFlags.Instance)!
                .GetValue(host.Services.GetRequiredService<WarmupTraffic>())!);
        }

        using (var client = chain.Chain.CreateEdgeClient())
        {
            Assert.Equal(200, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: true, maxTokens: 3)).Status);
            Assert.Equal(200, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 3)).Status);
            Assert.Equal(401, (await Chat.CompleteAsync(client, RefusedKey, stream: false, maxTokens: 3)).Status);

            // The admin API with its token, as an operator would call it.
            using var admin = new HttpRequestMessage(HttpMethod.Get, new Uri(chain.Chain.AuthQuota.Address, "/admin/v1/tenants"));
            admin.Headers.Authorization = new("Bearer", Chain.AdminToken);
            using var adminClient = chain.Chain.AuthQuota.CreateClient();
            using var adminResponse = await adminClient.SendAsync(admin);
        }

        // The access log is written as each request ends: wait for the refused one's line.
        await Wait.UntilAsync(() => logs.Lines.Any(l => l.Contains("401", StringComparison.Ordinal) && l.Contains("AccessLog", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), "core-relay's access-log line for the refused request");
        var lines = logs.Lines;
        Assert.True(lines.Count > 50, $"only {lines.Count} log lines captured: is Trace-level capture working?");

        var secrets = new Dictionary<string, string>
        {
            ["the client's API key"] = Chain.ApiKey,
            ["a refused API key"] = RefusedKey,
            ["the origin's API key"] = OriginKey,
            ["the cluster secret"] = Chain.ClusterSecret,
            ["the admin token"] = Chain.AdminToken,
            ["the core's warm-up secret"] = warmupSecrets[0],
            ["the edge's warm-up secret"] = warmupSecrets[1],
            ["a warm-up key"] = "sk-aicdn-warmup-",
        };
        foreach (var (what, secret) in secrets)
        {
            var leaks = lines.Where(l => l.Contains(secret, StringComparison.Ordinal)).ToList();
            Assert.True(leaks.Count == 0, $"{what} appears in {leaks.Count} log line(s), e.g.:\n{leaks.FirstOrDefault()}");
        }
    }

    [Fact]
    public async Task KeyInTheQuery_NeitherLoggedNorTraced_AtTraceLevelWithAspiresRedactionSwitchOff()
    {
        const string UrlKey = "sk-aicdn-in-the-url-5555555555abcdef";
        var logs = new CapturingLoggerProvider();
        var exported = new LockedCollection<System.Diagnostics.Activity>();
        void Observe(IServiceCollection services)
        {
            logs.AddHonouringFilters(services);
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported));
        }

        // What LOG_LEVEL=trace and Aspire's local run set.
        static Dictionary<string, string?> Loud() => new()
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_HTTPCLIENT_DISABLE_URL_QUERY_REDACTION"] = "true",
            [Extensions.TracesSetting] = "on",
        };
        var settings = new ChainSettings { Mock = Loud(), AuthQuota = Loud(), Core = Loud(), Edge = Loud(), MockServices = Observe, AuthQuotaServices = Observe, CoreServices = Observe, EdgeServices = Observe };
        await using var chain = await ObservedChain.StartAsync(settings);

        using (var client = chain.Chain.CreateEdgeClient())
        {
            using var models = new HttpRequestMessage(HttpMethod.Get, $"/v1/models?api_key={UrlKey}");
            models.Headers.Authorization = new("Bearer", Chain.ApiKey);
            using var served = await client.SendAsync(models);
            using var keyless = await client.GetAsync($"/v1/models?api_key={UrlKey}&limit=2");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, keyless.StatusCode);
        }

        await Wait.UntilAsync(() => logs.Lines.Count(l => l.Contains("AccessLog", StringComparison.Ordinal)) >= 2,
            TimeSpan.FromSeconds(20), "core-relay's access-log lines for both requests");
        var leaks = logs.Lines.Where(l => l.Contains(UrlKey, StringComparison.Ordinal)).ToList();
        Assert.True(leaks.Count == 0, $"the key in the URL appears in {leaks.Count} log line(s), e.g.:\n{leaks.FirstOrDefault()}");
        var traced = exported.Snapshot().SelectMany(a => a.TagObjects).Where(t => t.Value?.ToString()?.Contains(UrlKey, StringComparison.Ordinal) == true).ToList();
        Assert.True(traced.Count == 0, $"the key in the URL appears in {traced.Count} span tag(s), e.g. {traced.FirstOrDefault().Key}");
    }
}
