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

        return builder.AddProject<Projects.LlmMock>(name)
            .WithHttpEndpoint(name: "http")
            .WithHttpHealthCheck("/health");
    }

    /// <summary>Points core-relay at the mock, or passes the real origin's settings through.</summary>
    public static IResourceBuilder<ProjectResource> WithLlmOrigin(this IResourceBuilder<ProjectResource> core, IResourceBuilder<ProjectResource>? llmMock)
    {
        if (llmMock is not null)
        {
            // The mock has an unauthenticated /health, so the core can probe it actively.
            return core.WithReference(llmMock).WaitFor(llmMock)
                .WithEnvironment("ORIGIN_HEALTH_PATH", "/health");
        }

        var configuration = core.ApplicationBuilder.Configuration;
        core.WithEnvironment("LLM_SOURCE_HOST", configuration["LLM_SOURCE_HOST"]);
        if (configuration["LLM_SOURCE_PORT"] is { Length: > 0 } port)
        {
            core.WithEnvironment("LLM_SOURCE_PORT", port);
        }

        if (configuration["LLM_SOURCE_API_KEY"] is { Length: > 0 })
        {
            var key = core.ApplicationBuilder.AddParameter("llm-source-api-key", () => configuration["LLM_SOURCE_API_KEY"]!, secret: true);
            core.WithEnvironment("LLM_SOURCE_API_KEY", key);
        }

        return core;
    }
}
