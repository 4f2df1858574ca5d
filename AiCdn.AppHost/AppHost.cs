using AiCdn.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Secrets shared by the hops: generated per run unless the operator supplies them.
var clusterSecret = builder.AddParameter("cluster-secret", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
var adminToken = builder.AddParameter("admin-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);

// Shared limits: Redis in a container, else a local redis-server, else auth-quota's in-memory store.
var quotaStore = builder.AddQuotaStore("redis");

// The LLM origin: the mock, unless LLM_SOURCE_HOST names a real OpenAI-compatible API.
var llmMock = builder.AddLlmMockUnlessRealOrigin("llm-mock");

// auth-quota: keys, tenants and quota decisions.
var authQuota = builder.AddProject<Projects.AuthQuota>("auth-quota")
    .WithHttpEndpoint(name: "http")
    .WithHttpHealthCheck("/health")
    .WithEnvironment("AICDN_CLUSTER_SECRET", clusterSecret)
    .WithEnvironment("ADMIN_TOKEN", adminToken)
    .WithDevelopmentApiKey()
    .WithQuotaStore(quotaStore);

// core-relay: admission, accounting, origins.
var coreRelay = builder.AddProject<Projects.CoreRelay>("core-relay")
    .WithHttpEndpoint(name: "http")
    .WithLoopbackEndpoint("h2c", "LISTEN_H2C")
    .WithHttpHealthCheck("/health")
    .WithEnvironment("AICDN_CLUSTER_SECRET", clusterSecret)
    .WithReference(authQuota).WaitFor(authQuota)
    .WithQuotaStoreReference(quotaStore)
    .WithLlmOrigin(llmMock)
    .WithSettingsFromAppHost(builder.Configuration, "OVERLOAD_QUEUE_DELAY", "WARMUP_REQUESTS", "WARMUP_MAX_DURATION");

// edge-gateway: the only public entry point, on a fixed port; metrics and health on its management port.
builder.AddProject<Projects.EdgeGateway>("edge-gateway")
    .WithEdgeEndpoints(builder.EdgeHttpPort())
    .WithHttpHealthCheck("/health", endpointName: "management")
    .WithEnvironment("AICDN_CLUSTER_SECRET", clusterSecret)
    // The edge faces the internet: it must never trust a client's X-Forwarded-For (Aspire turns
    // ASP.NET Core's forwarded-headers handling on for every project it publishes).
    .WithEnvironment("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "false")
    .WithReference(coreRelay).WaitFor(coreRelay)
    .WithCoreLink(coreRelay)
    .WithSettingsFromAppHost(builder.Configuration, "OVERLOAD_QUEUE_DELAY", "WARMUP_REQUESTS", "WARMUP_MAX_DURATION")
    .WithStartupBanner();

builder.Build().Run();
