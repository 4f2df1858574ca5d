using AiCdn.LlmMock;
using AiCdn.LlmMock.ChatCompletions;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Models;
using AiCdn.Common.Errors;
using AiCdn.Common.Tokens;

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
        });

        builder.Services.AddOptions<MockOptions>()
            .BindConfiguration(MockOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(_ => TokenCounter.Default);
        builder.Services.AddSingleton<CompletionGenerator>();
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, MockJsonContext.Default));

        return builder;
    }

    public static IEndpointRouteBuilder MapLlmMock(this IEndpointRouteBuilder app)
    {
        app.MapModelsApi();
        app.MapChatCompletionsApi();
        app.MapOpenAiFallback();
        return app;
    }
}
