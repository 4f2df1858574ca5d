using System.Diagnostics;
using System.Globalization;
using System.Net;
using AiCdn.Observability.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace AiCdn.Observability.Tests;

/// <summary>
/// One request, one trace: the client's W3C traceparent continues through edge → core →
/// auth-quota and core → origin, each hop's server span exported by the OpenTelemetry pipeline
/// ServiceDefaults sets up (an in-memory exporter stands in for OTLP to the Aspire dashboard).
/// </summary>
public sealed class TraceTests
{
    [Fact]
    public async Task StreamedCompletion_ClientTraceparent_OneTraceWithAServerSpanFromEveryHop()
    {
        var exported = new LockedCollection<Activity>();
        void Export(IServiceCollection services) =>
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported));
        // Spans are made only when they have somewhere to go (Telemetry:Traces, auto by default).
        await using var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            Mock = { [Extensions.TracesSetting] = "on" },
            AuthQuota = { [Extensions.TracesSetting] = "on" },
            Core = { [Extensions.TracesSetting] = "on" },
            Edge = { [Extensions.TracesSetting] = "on" },
            MockServices = Export,
            AuthQuotaServices = Export,
            CoreServices = Export,
            EdgeServices = Export,
        });

        // The client's own span, as an instrumented client would have: the request's trace must
        // continue it (W3C traceparent) through every hop.
        var traceId = ActivityTraceId.CreateRandom();
        ActivitySpanId clientSpanId;
        using (var clientSpan = new Activity("test-client").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        using (var client = chain.Chain.CreateEdgeClient())
        using (var request = Chat.Request(Chain.ApiKey, stream: true, maxTokens: 4))
        {
            clientSpanId = clientSpan.SpanId;
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await SseClient.ReadAllAsync(response);
        }

        var hops = new Dictionary<string, int>
        {
            ["edge-gateway"] = chain.Chain.Edge.Address.Port,
            ["core-relay"] = chain.Chain.Core.Address.Port,
            ["auth-quota"] = chain.Chain.AuthQuota.Address.Port,
            ["llm-mock"] = chain.Chain.Mock.Address.Port,
        };
        Dictionary<string, Activity> servers = [];
        List<Activity> trace = [];
        try
        {
            await Wait.UntilAsync(() =>
            {
                // Every provider in this one process sees every activity: keep each span once.
                trace = exported.Snapshot().Where(a => a.TraceId == traceId).DistinctBy(a => a.SpanId).ToList();
                // ASP.NET Core's request spans; YARP's forwarder spans are Server-kind too but carry no port.
                // auth-quota serves two requests in this trace (authorize, then settle): the first one counts.
                servers = trace.Where(a => a.Kind == ActivityKind.Server && a.Source.Name == "Microsoft.AspNetCore")
                    .GroupBy(a => hops.FirstOrDefault(h => h.Value == Port(a)).Key ?? "?")
                    .Where(g => g.Key != "?")
                    .ToDictionary(g => g.Key, g => g.MinBy(a => a.StartTimeUtc)!);
                return hops.Keys.All(servers.ContainsKey);
            }, TimeSpan.FromSeconds(20), "a server span in the client's trace from edge-gateway, core-relay, auth-quota and llm-mock");
        }
        catch (TimeoutException e)
        {
            var seen = exported.Snapshot().DistinctBy(a => a.SpanId)
                .Select(a => $"{a.TraceId} {a.Kind} {a.Source.Name} {a.DisplayName} server.port={a.GetTagItem("server.port")} parent={a.ParentSpanId}");
            Assert.Fail($"{e.Message}\nhops: {string.Join(", ", hops)}\nexported spans:\n{string.Join('\n', seen)}");
        }

        // The edge continues the client's trace; each later hop's server span descends from it.
        var spans = trace.ToDictionary(a => a.SpanId);
        Assert.True(DescendsFrom(servers["edge-gateway"], clientSpanId, spans), "the edge's server span does not continue the client's span");
        foreach (var hop in new[] { "core-relay", "auth-quota", "llm-mock" })
        {
            Assert.True(DescendsFrom(servers[hop], servers["edge-gateway"].SpanId, spans), $"{hop}'s server span does not descend from the edge's");
        }

        Assert.True(DescendsFrom(servers["auth-quota"], servers["core-relay"].SpanId, spans), "auth-quota's span is not under the core's");
        Assert.True(DescendsFrom(servers["llm-mock"], servers["core-relay"].SpanId, spans), "the origin's span is not under the core's");

        // The core's hop carries what the request was about (tags set by core-relay's access log,
        // on its server span or the relay span under it).
        var core = servers["core-relay"];
        var described = trace.FirstOrDefault(a => a.GetTagItem("gen_ai.request.model") is not null
            && (a == core || DescendsFrom(a, core.SpanId, spans)));
        Assert.True(described is not null, "no span of the core's hop carries gen_ai.request.model");
        Assert.Equal("mock-gpt", described.GetTagItem("gen_ai.request.model"));
        Assert.Equal("default", described.GetTagItem("aicdn.tenant"));
        Assert.Equal(4, Convert.ToInt32(described.GetTagItem("gen_ai.usage.output_tokens"), CultureInfo.InvariantCulture));
        Assert.True(Convert.ToInt32(described.GetTagItem("gen_ai.usage.input_tokens"), CultureInfo.InvariantCulture) > 0);
        Assert.NotNull(described.GetTagItem("aicdn.ttft_ms"));
        Assert.All(servers.Values, s => Assert.Equal(200, Convert.ToInt32(s.GetTagItem("http.response.status_code"), CultureInfo.InvariantCulture)));
    }

    /// <summary>The port a server span was addressed to (each hop listens on its own).</summary>
    private static int Port(Activity server) =>
        server.GetTagItem("server.port") is { } port ? Convert.ToInt32(port, CultureInfo.InvariantCulture) : -1;

    private static bool DescendsFrom(Activity span, ActivitySpanId ancestor, Dictionary<ActivitySpanId, Activity> spans)
    {
        var current = span;
        for (var depth = 0; depth < 32; depth++)
        {
            if (current.ParentSpanId == ancestor)
            {
                return true;
            }

            if (!spans.TryGetValue(current.ParentSpanId, out var parent))
            {
                return false;
            }

            current = parent;
        }

        return false;
    }
}
