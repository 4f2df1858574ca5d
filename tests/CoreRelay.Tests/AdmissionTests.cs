using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AiCdn.Common.Security;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>Only edges reach the core, bad bodies stop at the core, and the client's key never reaches the origin.</summary>
public sealed class AdmissionTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("v1,t=1,s=AAAA")]
    [InlineData("garbage")]
    public async Task DirectCallWithoutEdgeCredentials_Is403(string? signatureHeader)
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.Core.CreateClient();
        using var request = Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2);
        if (signatureHeader is not null)
        {
            request.Headers.TryAddWithoutValidation(ClusterSignature.HeaderName, signatureHeader);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("forbidden", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task SignatureFromAnotherSecret_Is403()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.Core.CreateClient();
        using var request = Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2);
        var forged = new ClusterSignature("not-the-cluster-secret-at-all", TimeProvider.System);
        forged.Sign(request);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task SignedDirectCall_IsServed()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.Core.CreateClient();
        using var request = Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2);
        var signature = new ClusterSignature(Chain.ClusterSecret, TimeProvider.System);
        signature.Sign(request);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task BodyOverLimit_Is413AndNotForwarded()
    {
        await using var chain = await Chain.StartAsync(new ChainSettings { Core = { ["CoreRelay:MaxRequestBodyBytes"] = "4096" } });
        using var client = chain.CreateEdgeClient();
        using var request = Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2, content: new string('x', 5000));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", await ErrorCodeAsync(response));
    }

    [Theory]
    [InlineData("""{"model":"mock-gpt",""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""{"model":"mock-gpt"} trailing""")]
    public async Task MalformedJson_Is400(string body)
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.ApiKey);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_json", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task OriginKey_ReplacesClientKey()
    {
        await using var origin = await AuthorizationEchoOrigin.StartAsync();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = origin.Url, ["CoreRelay:OriginApiKey"] = "sk-origin-secret" },
        });
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["Bearer sk-origin-secret"], origin.AuthorizationHeaders);
        Assert.DoesNotContain(origin.AllHeaderValues, v => v.Contains(Chain.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuthQuotaUnreachable_Is503AuthUnavailable_AndNotForwarded()
    {
        await using var origin = await AuthorizationEchoOrigin.StartAsync();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            // Nothing listens there: every call to auth-quota fails to connect.
            Core = { ["CoreRelay:Origins"] = origin.Url, ["CoreRelay:AuthQuotaUrl"] = $"http://127.0.0.1:{FreePort.Next()}" },
        });
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: true, maxTokens: 2));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("auth_unavailable", await ErrorCodeAsync(response));
        Assert.Empty(origin.AuthorizationHeaders);
    }

    [Fact]
    public async Task NoDecision_TheReservationItAskedForIsCancelled()
    {
        // auth-quota never answers: its reserve may still land later, so the core cancels it.
        var settlements = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:AuthQuotaUrl"] = $"http://127.0.0.1:{FreePort.Next()}" },
            CoreServices = settlements.AddTo,
        });
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2));
        var cancel = await settlements.WaitForCountAsync(1);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(cancel.Cancel);
        Assert.False(cancel.Forwarded);
        Assert.Equal(0, cancel.PromptTokens + cancel.CompletionTokens);
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetProperty("code").GetString();
    }
}
