using System.Net;
using AiCdn.Observability.Tests.Support;

namespace AiCdn.Observability.Tests;

/// <summary>
/// Known traffic through the in-process chain, then each service's /metrics scraped as Prometheus
/// would: exact request, token and rejection counts, and the active gauges back to zero. All
/// services share this process, so each sees the others' meters too; every assertion therefore
/// names the meter (otel_scope_name) whose numbers it checks.
/// </summary>
public sealed class MetricsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Scrape_AfterKnownTraffic_CountsRequestsAndTokensExactly()
    {
        await using var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:MetricsTenants:0"] = "default" },
        });
        var baseline = await chain.ScrapeAllAsync();

        var prompt = 0;
        var completion = 0;
        using (var client = chain.Chain.CreateEdgeClient())
        {
            for (var i = 0; i < 3; i++)
            {
                var streamed = await Chat.CompleteAsync(client, Chain.ApiKey, stream: true, maxTokens: 5);
                Assert.Equal(200, streamed.Status);
                (prompt, completion) = (prompt + streamed.PromptTokens, completion + streamed.CompletionTokens);
            }

            for (var i = 0; i < 2; i++)
            {
                var whole = await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 7);
                Assert.Equal(200, whole.Status);
                (prompt, completion) = (prompt + whole.PromptTokens, completion + whole.CompletionTokens);
            }

            var refused = await Chat.CompleteAsync(client, "sk-aicdn-not-a-key-0000000000000000", stream: false, maxTokens: 7);
            Assert.Equal(401, refused.Status);
        }

        Assert.Equal((3 * 5) + (2 * 7), completion);
        Assert.True(prompt > 0);
        var edge = ("otel_scope_name", ObservedChain.EdgeScope);
        var core = ("otel_scope_name", ObservedChain.CoreScope);
        var mock = ("otel_scope_name", ObservedChain.MockScope);
        var auth = ("otel_scope_name", ObservedChain.AuthQuotaScope);
        await new Expectations(chain, baseline)
            // Every request is counted once by each hop it reached, with its status class.
            .Delta("edge-gateway", "aicdn_requests_total", 5, edge, ("status_class", "2xx"))
            .Delta("edge-gateway", "aicdn_requests_total", 1, edge, ("status_class", "4xx"))
            .Delta("edge-gateway", "aicdn_requests_total", 6, edge)
            .Delta("edge-gateway", "aicdn_request_duration_seconds_count", 6, edge)
            .Delta("edge-gateway", "aicdn_upstream_latency_seconds_count", 6, edge)
            .Delta("core-relay", "aicdn_requests_total", 5, core, ("status_class", "2xx"), ("result", "ok"))
            .Delta("core-relay", "aicdn_requests_total", 1, core, ("status_class", "4xx"), ("result", "rejected"))
            .Delta("core-relay", "aicdn_request_duration_seconds_count", 6, core)
            // The refused request never reached the origin.
            .Delta("core-relay", "aicdn_upstream_latency_seconds_count", 5, core)
            .Delta("llm-mock", "aicdn_requests_total", 5, mock, ("status_class", "2xx"))
            .Delta("auth-quota", "aicdn_quota_decisions_total", 5, auth, ("result", "allowed"))
            .Delta("auth-quota", "aicdn_quota_decisions_total", 6, auth)
            // Tokens: exactly what the clients were told in usage, by kind, tenant and model.
            .Delta("core-relay", "aicdn_tokens_total", completion, core, ("kind", "completion"), ("tenant", "default"), ("model", "mock-gpt"))
            .Delta("core-relay", "aicdn_tokens_total", prompt, core, ("kind", "prompt"), ("tenant", "default"), ("model", "mock-gpt"))
            .Delta("llm-mock", "aicdn_tokens_total", completion, mock, ("kind", "completion"))
            .Delta("core-relay", "gen_ai_client_token_usage_sum", completion, core, ("gen_ai_token_type", "output"))
            .Delta("core-relay", "gen_ai_client_token_usage_count", 5, core, ("gen_ai_token_type", "output"))
            .Delta("core-relay", "gen_ai_client_token_usage_sum", prompt, core, ("gen_ai_token_type", "input"))
            // Time to first token is a streaming measure: one per stream.
            .Delta("core-relay", "aicdn_time_to_first_token_seconds_count", 3, core, ("model", "mock-gpt"))
            .Delta("core-relay", "gen_ai_server_time_to_first_token_seconds_count", 3, core, ("gen_ai_request_model", "mock-gpt"))
            .Value("edge-gateway", "aicdn_sse_connections_active", 0, edge)
            .Value("core-relay", "aicdn_sse_connections_active", 0, core)
            .Value("llm-mock", "aicdn_sse_connections_active", 0, mock)
            .VerifyAsync(s_timeout);
    }

    [Fact]
    public async Task ActiveGauges_WhileStreamsOpenAndAfterTheyEnd_CountThenReturnToZero()
    {
        await using var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            // 40 tokens 50 ms apart: streams stay open for two seconds.
            Mock = { ["Mock:TokenIntervalMs"] = "50" },
        });
        var baseline = await chain.ScrapeAllAsync();
        var edge = ("otel_scope_name", ObservedChain.EdgeScope);
        var core = ("otel_scope_name", ObservedChain.CoreScope);
        var mock = ("otel_scope_name", ObservedChain.MockScope);

        using (var client = chain.Chain.CreateEdgeClient())
        {
            var responses = new List<HttpResponseMessage>();
            try
            {
                for (var i = 0; i < 3; i++)
                {
                    var response = await client.SendAsync(Chat.Request(Chain.ApiKey, stream: true, maxTokens: 40), HttpCompletionOption.ResponseHeadersRead);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    responses.Add(response);
                }

                await new Expectations(chain, baseline)
                    .Value("edge-gateway", "aicdn_sse_connections_active", 3, edge)
                    .Value("core-relay", "aicdn_sse_connections_active", 3, core)
                    .Value("llm-mock", "aicdn_sse_connections_active", 3, mock)
                    .VerifyAsync(s_timeout);
                var open = (await Scrape.GetAsync(chain.EdgeManagement)).All("aicdn_connections_active", edge)
                    .Where(s => s.Labels.GetValueOrDefault("listener") != "management").Sum(s => s.Value);
                Assert.True(open >= 1, $"the edge counts {open} open client connections while three streams are open");

                foreach (var response in responses)
                {
                    var events = await SseClient.ReadAllAsync(response);
                    Assert.Equal("[DONE]", events[^1].Data);
                }
            }
            finally
            {
                responses.ForEach(r => r.Dispose());
            }
        }

        // The client is gone: no stream and no client connection may still be counted.
        await new Expectations(chain, baseline)
            .Value("edge-gateway", "aicdn_sse_connections_active", 0, edge)
            .Value("core-relay", "aicdn_sse_connections_active", 0, core)
            .Value("llm-mock", "aicdn_sse_connections_active", 0, mock)
            .Delta("edge-gateway", "aicdn_requests_total", 3, edge, ("status_class", "2xx"))
            .VerifyAsync(s_timeout);
        await Wait.UntilAsync(
            async () => (await Scrape.GetAsync(chain.EdgeManagement)).All("aicdn_connections_active", edge)
                .Where(s => s.Labels.GetValueOrDefault("listener") != "management").Sum(s => s.Value) == 0,
            s_timeout, "the edge's open client connections back to 0 once the client is disposed");
    }

    [Fact]
    public async Task Rejections_EdgeAndAuthQuotaLimits_CountedOncePerRejectionByLimitKind()
    {
        await using var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            Mock = { ["Mock:TokenIntervalMs"] = "50" },
            AuthQuota = { ["AuthQuota:DefaultLimits:RequestsPerMinute"] = "3" },
            Edge = { ["Edge:Limits:PerIpConcurrentRequests"] = "1" },
        });
        var baseline = await chain.ScrapeAllAsync();
        using var client = chain.Chain.CreateEdgeClient();

        // One stream open from this IP: a second request at the same time is shed by the edge.
        using (var open = await client.SendAsync(Chat.Request(Chain.ApiKey, stream: true, maxTokens: 40), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
            var shed = await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 2);
            Assert.Equal(429, shed.Status);
            await SseClient.ReadAllAsync(open);
        }

        // Three requests a minute per key: the stream and two more pass, the fourth is refused.
        await Wait.UntilAsync(
            async () => (await Scrape.GetAsync(chain.EdgeManagement)).Sum("aicdn_sse_connections_active", ("otel_scope_name", ObservedChain.EdgeScope)) == 0,
            s_timeout, "the first stream to be closed at the edge");
        Assert.Equal(200, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 2)).Status);
        Assert.Equal(200, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 2)).Status);
        Assert.Equal(429, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 2)).Status);

        var edge = ("otel_scope_name", ObservedChain.EdgeScope);
        var auth = ("otel_scope_name", ObservedChain.AuthQuotaScope);
        await new Expectations(chain, baseline)
            .Delta("edge-gateway", "aicdn_ratelimit_rejections_total", 1, edge, ("limit", "ip_concurrency"))
            .Delta("edge-gateway", "aicdn_ratelimit_rejections_total", 1, edge)
            .Delta("auth-quota", "aicdn_ratelimit_rejections_total", 1, auth, ("limit", "requests_per_minute"))
            .Delta("auth-quota", "aicdn_ratelimit_rejections_total", 1, auth)
            .Delta("edge-gateway", "aicdn_requests_total", 2, edge, ("status_class", "4xx"))
            .VerifyAsync(s_timeout);
    }

    [Fact]
    public async Task QuotaStoreDown_FailOpen_CountsStoreErrorsAndFailOpenDecisions()
    {
        await using var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            AuthQuota =
            {
                // Nothing listens there: every call to the store fails.
                ["ConnectionStrings:redis"] = $"127.0.0.1:{FreePort.Next()},abortConnect=false,connectTimeout=200,syncTimeout=200,asyncTimeout=200",
                ["AuthQuota:StoreFailureMode"] = "FailOpen",
            },
        });
        var baseline = await chain.ScrapeAllAsync();
        using var client = chain.Chain.CreateEdgeClient();

        Assert.Equal(200, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: false, maxTokens: 2)).Status);

        var auth = ("otel_scope_name", ObservedChain.AuthQuotaScope);
        await new Expectations(chain, baseline)
            .Delta("auth-quota", "aicdn_quota_decisions_total", 1, auth, ("result", "allowed_fail_open"))
            .VerifyAsync(s_timeout);
        var scrape = await Scrape.GetAsync(chain.Chain.AuthQuota.Address);
        Assert.True(scrape.Sum("aicdn_quota_store_errors_total", auth) >= 1,
            "auth-quota answered from local limits but counted no failed store call");
    }

    [Fact]
    public async Task Scrape_EveryService_NamesItselfAndUsesLlmSizedBuckets()
    {
        await using var chain = await ObservedChain.StartAsync();
        using (var client = chain.Chain.CreateEdgeClient())
        {
            Assert.Equal(200, (await Chat.CompleteAsync(client, Chain.ApiKey, stream: true, maxTokens: 3)).Status);
        }

        await Wait.UntilAsync(
            async () => (await Scrape.GetAsync(chain.Chain.Core.Address)).Sum("aicdn_time_to_first_token_seconds_count") > 0,
            s_timeout, "a time-to-first-token observation at the core");
        foreach (var (service, scrape) in await chain.ScrapeAllAsync())
        {
            var target = Assert.Single(scrape.All("target_info"));
            Assert.Equal(service, target.Labels["service_name"]);
            Assert.Equal("aicdn", target.Labels["service_namespace"]);
            Assert.True(scrape.Sum("aicdn_process_memory_limit_bytes") > 64L * 1024 * 1024, $"{service}: no sensible memory limit");
            Assert.True(scrape.Sum("dotnet_process_memory_working_set_bytes") > 0, $"{service}: no working set");
            Assert.True(scrape.Sum("dotnet_process_cpu_count") >= 1, $"{service}: no CPU count");
        }

        // Seconds from a millisecond to ten minutes, with 100 ms (the latency alert) as a boundary.
        var buckets = (await Scrape.GetAsync(chain.Chain.Core.Address))
            .All("aicdn_time_to_first_token_seconds_bucket", ("otel_scope_name", ObservedChain.CoreScope))
            .Select(s => s.Labels["le"]).ToHashSet();
        Assert.Superset(new HashSet<string> { "0.001", "0.1", "1", "60", "600", "+Inf" }, buckets);
        var tokenBuckets = (await Scrape.GetAsync(chain.Chain.Core.Address))
            .All("gen_ai_client_token_usage_bucket", ("otel_scope_name", ObservedChain.CoreScope))
            .Select(s => s.Labels["le"]).ToHashSet();
        Assert.Superset(new HashSet<string> { "1", "16", "1024", "65536" }, tokenBuckets);
    }

    [Fact]
    public async Task Metrics_EdgePublicListener_ServesNoMetricsOrHealthDetails()
    {
        await using var chain = await ObservedChain.StartAsync();
        using var client = chain.Chain.CreateEdgeClient();

        // The edge faces the internet: /metrics only on its management port, and the public
        // listener must not pass the path on to a core either.
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("# TYPE", body);
        Assert.DoesNotContain("aicdn_", body);
        Assert.Contains("aicdn_connections_active", (await Scrape.GetAsync(chain.EdgeManagement)).Text);
    }

    [Fact]
    public async Task Scrape_LabelValues_NeverCarryKeysOrRequestIds()
    {
        await using var chain = await ObservedChain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:MetricsTenants:0"] = "default" },
        });
        using (var client = chain.Chain.CreateEdgeClient())
        {
            for (var i = 0; i < 3; i++)
            {
                using var request = Chat.Request(Chain.ApiKey, stream: false, maxTokens: 2);
                request.Headers.Add("x-request-id", $"req-label-check-{i}");
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        await Wait.UntilAsync(
            async () => (await Scrape.GetAsync(chain.Chain.Core.Address)).Sum("aicdn_requests_total", ("otel_scope_name", ObservedChain.CoreScope)) >= 3,
            s_timeout, "three requests counted at the core");
        foreach (var (service, scrape) in await chain.ScrapeAllAsync())
        {
            foreach (var sample in scrape.Samples)
            {
                foreach (var (label, value) in sample.Labels)
                {
                    Assert.False(value.Contains(Chain.ApiKey, StringComparison.Ordinal), $"{service}: {sample.Name}{{{label}}} carries the API key");
                    Assert.False(value.Contains("req-label-check", StringComparison.Ordinal), $"{service}: {sample.Name}{{{label}}} carries a request id");
                }
            }

            // Tenants only from the configured list (anything else is "other").
            Assert.All(scrape.All("aicdn_tokens_total", ("otel_scope_name", ObservedChain.CoreScope)),
                s => Assert.Contains(s.Labels["tenant"], new[] { "default", "other", "none" }));
        }
    }
}
