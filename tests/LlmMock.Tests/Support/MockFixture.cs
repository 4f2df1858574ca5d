using AiCdn.Testing;

namespace AiCdn.LlmMock.Tests.Support;

/// <summary>One unpaced mock shared by a test class whose tests do not change its settings.</summary>
public sealed class MockFixture : IAsyncLifetime
{
    public ServiceHost Host { get; private set; } = null!;

    public HttpClient CreateClient() => Host.CreateClient();

    public async Task InitializeAsync() => Host = await MockServer.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
