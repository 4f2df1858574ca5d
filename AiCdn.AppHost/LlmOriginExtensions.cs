namespace AiCdn.AppHost;

public static class LlmOriginExtensions
{
    /// <summary>Adds llm-mock unless <c>LLM_SOURCE_HOST</c> points the core at a real origin.</summary>
    public static IResourceBuilder<ProjectResource>? AddLlmMockUnlessRealOrigin(this IDistributedApplicationBuilder builder, string name)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["LLM_SOURCE_HOST"]))
        {
            return null;
        }

        // The mock demands an origin key, as a real origin does, and the core presents it: so every
        // run exercises the core swapping the client's key for the origin's.
        var originKey = builder.AddParameter(OriginKeyParameter, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
        return builder.AddProject<Projects.LlmMock>(name)
            .WithHttpEndpoint(name: "http")
            .WithHttpHealthCheck("/health")
            .WithEnvironment("MOCK_API_KEY", originKey);
    }

    private const string OriginKeyParameter = "llm-source-api-key";

    /// <summary>core-relay's default request-header allow-list, plus the mock's control headers.</summary>
    public const string MockForwardRequestHeaders = "accept-language,openai-beta,user-agent,x-request-id,x-mock-*";

    /// <summary>Points core-relay at the mock, or passes the real origin's settings through.</summary>
    public static IResourceBuilder<ProjectResource> WithLlmOrigin(this IResourceBuilder<ProjectResource> core, IResourceBuilder<ProjectResource>? llmMock)
    {
        if (llmMock is not null)
        {
            // The mock has an unauthenticated /health, so the core can probe it actively.
            var originKey = core.ApplicationBuilder.Resources.OfType<ParameterResource>().Single(p => p.Name == OriginKeyParameter);
            // The mock's pacing and fault headers (x-mock-*) reach it from clients in development;
            // a core in front of a real origin forwards only the default allow-list.
            return core.WithReference(llmMock).WaitFor(llmMock)
                .WithEnvironment("ORIGIN_HEALTH_PATH", "/health")
                .WithEnvironment("FORWARD_REQUEST_HEADERS", MockForwardRequestHeaders)
                .WithEnvironment("LLM_SOURCE_API_KEY", originKey);
        }

        var configuration = core.ApplicationBuilder.Configuration;
        core.WithEnvironment("LLM_SOURCE_HOST", configuration["LLM_SOURCE_HOST"]);
        if (configuration["LLM_SOURCE_PORT"] is { Length: > 0 } port)
        {
            core.WithEnvironment("LLM_SOURCE_PORT", port);
        }

        if (configuration["LLM_SOURCE_API_KEY"] is { Length: > 0 })
        {
            var key = core.ApplicationBuilder.AddParameter(OriginKeyParameter, () => configuration["LLM_SOURCE_API_KEY"]!, secret: true);
            core.WithEnvironment("LLM_SOURCE_API_KEY", key);
        }

        return core;
    }
}
