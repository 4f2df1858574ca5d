using System.Net;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>
/// An edge that cannot keep up refuses new requests at once with 503 <c>overloaded</c> and
/// <c>Retry-After</c> instead of queueing them; resumes, health and metrics still answer.
/// </summary>
public sealed class OverloadTests
{
    [Fact]
    public async Task EdgeOverloaded_NewRequest503OverloadedWithRetryAfter_CountedThenServedAgain()
    {
        var overload = new SwitchedOverload();
        await using var chain = await Chain.StartAsync(new ChainSettings { EdgeServices = overload.AddTo });
        using var rejections = chain.Edge.Rejections();
        using var client = chain.CreateEdgeClient();

        overload.Overloaded = true;
        using (var refused = await client.SendAsync(ChatRequests.Streamed(tokens: 3), Timeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            var error = await refused.ErrorAsync();
            Assert.Equal("overloaded", error.GetProperty("code").GetString());
            Assert.Contains("overloaded", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(1, rejections.Count("overload"));

        overload.Overloaded = false;
        using var served = await client.SendAsync(ChatRequests.Streamed(tokens: 3), Timeouts.Token());
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task EdgeOverloaded_ResumeAndManagementStillAnswer()
    {
        var overload = new SwitchedOverload { Overloaded = true };
        await using var chain = await Chain.StartAsync(new ChainSettings { EdgeServices = overload.AddTo });
        using var client = chain.CreateEdgeClient();

        // A resume continues a stream already paid for: refusing it would lose what it holds.
        using (var resume = new HttpRequestMessage(HttpMethod.Get, "/v1/streams/no-such-stream"))
        {
            resume.Headers.Authorization = new("Bearer", Chain.ApiKey);
            using var response = await client.SendAsync(resume, Timeouts.Token());
            Assert.NotEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        using var management = EdgeHosts.CreateClient(chain.Edge.ManagementAddress());
        using var health = await management.GetAsync("/health", Timeouts.Token());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
