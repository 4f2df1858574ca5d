using System.ClientModel;
using System.ClientModel.Primitives;
using AiCdn.Testing;
using OpenAI;

namespace AiCdn.LlmMock.Tests.Support;

/// <summary>The official OpenAI SDK pointed at a mock, as an application would configure it for any compatible server.</summary>
internal static class Sdk
{
    public static OpenAIClient Client(ServiceHost host, string apiKey = "sk-any", params (string Name, string Value)[] headers)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(host.Address, "v1"),

            // Errors must surface at once: the SDK's default policy would retry 429/500/503 with back-off.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(30),
        };
        foreach (var (name, value) in headers)
        {
            options.AddPolicy(new HeaderPolicy(name, value), PipelinePosition.PerCall);
        }

        return new OpenAIClient(new ApiKeyCredential(apiKey), options);
    }
}
