using AiCdn.Common.Errors;
using AiCdn.LlmMock;
using AiCdn.LlmMock.Auditing;
using AiCdn.LlmMock.ChatCompletions;
using AiCdn.LlmMock.Embeddings;
using AiCdn.LlmMock.Faults;
using AiCdn.LlmMock.Gate;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Models;
using AiCdn.LlmMock.Responses;
using AiCdn.LlmMock.Telemetry;
using AiCdn.Tokens;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class LlmMockExtensions
{
    public static IHostApplicationBuilder AddLlmMock(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases(new Dictionary<string, string>
        {
            ["MOCK_TTFT_MS"] = "Mock:TimeToFirstTokenMs",
            ["MOCK_TOKEN_INTERVAL_MS"] = "Mock:TokenIntervalMs",
            ["MOCK_TOKENS"] = "Mock:DefaultCompletionTokens",
            ["MOCK_API_KEY"] = "Mock:RequiredApiKey",
        });

        // ASP.NET Core's per-request Information logs would cost more than the mock's own work at
        // benchmark rates; keep them at Warning unless the configuration names that category itself.
        if (builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore"] is null)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }

        builder.Services.AddOptions<MockOptions>()
            .BindConfiguration(MockOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MockOptions>, MockOptionsValidator>();

        builder.Services.AddSingleton(_ => TokenCounter.Default);
        builder.Services.AddSingleton<CompletionGenerator>();
        builder.Services.AddSingleton<CompletionPlanner>();
        builder.Services.AddSingleton<EmbeddingGenerator>();
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<RequestLog>();
        builder.Services.AddSingleton<UsageLedger>();
        builder.Services.AddSingleton<LlmMockMetrics>();
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<MockOptions>>();
            var seed = options.Value.Faults.Seed;
            return new FaultPlanner(options, seed is { } s ? new Random(s) : new Random());
        });
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, MockJsonContext.Default));

        return builder;
    }

    public static WebApplication MapLlmMock(this WebApplication app)
    {
        app.UseOpenAiErrors();
        app.UseMiddleware<OriginGateMiddleware>();
        app.MapModelsApi();
        app.MapChatCompletionsApi();
        app.MapResponsesApi();
        app.MapEmbeddingsApi();
        app.MapMockRequestsApi();
        app.MapOpenAiFallback();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var options = app.Services.GetRequiredService<IOptions<MockOptions>>().Value;
            Log.Started(
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AiCdn.LlmMock"),
                options.TimeToFirstTokenMs,
                options.TokenIntervalMs,
                options.DefaultCompletionTokens,
                options.RequiredApiKey is null ? "not required" : "required",
                options.Faults.TotalRate);
        });
        return app;
    }
}
