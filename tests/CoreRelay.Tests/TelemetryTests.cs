using System.Net;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Response_CarriesServerTimingOfCoreAuthAndOrigin()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 2), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var timing = string.Join(", ", response.Headers.GetValues("Server-Timing"));
        Assert.Matches(@"core;dur=\d+\.\d, auth;dur=\d+\.\d, origin;dur=\d+\.\d", timing);
    }

    [Fact]
    public async Task AccessLog_OneLinePerRequestWithTenantAndTokens_AndNeverTheKey()
    {
        var logs = new CapturingLoggerProvider();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = logs.AddTo });
        using var client = chain.CreateEdgeClient();

        using (var ok = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 5)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var refused = await client.SendAsync(Requests.Chat("sk-aicdn-wrong-key-never-logged", stream: false, maxTokens: 5)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await Wait.UntilAsync(() => logs.Lines.Count(l => l.Contains("[AccessLog", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(10), "two access-log lines");
        var completed = Assert.Single(logs.Lines, l => l.Contains("[AccessLog]", StringComparison.Ordinal));
        Assert.Contains("tenant=default", completed);
        Assert.Contains("completion_tokens=5", completed);
        Assert.Contains("model=mock-gpt", completed);
        Assert.Single(logs.Lines, l => l.Contains("[AccessLogRejected]", StringComparison.Ordinal) && l.Contains("401", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Chain.ApiKey, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("sk-aicdn-wrong-key-never-logged", StringComparison.Ordinal));
    }
}
