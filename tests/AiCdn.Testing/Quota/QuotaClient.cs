using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiCdn.Common;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;
using Xunit;

namespace AiCdn.Testing.Quota;

/// <summary>Calls one replica as core-relay does (signed internal calls) and as an operator does (admin API).</summary>
public sealed class QuotaClient(HttpClient http, TimeProvider time) : IDisposable
{
    private readonly ClusterSignature _signature = new(QuotaCluster.ClusterSecret, time);

    public HttpClient Http => http;

    public async Task<AuthorizeDecision> AuthorizeAsync(string apiKey, long tokens = 0, bool stream = false, string? model = "mock-gpt", string? reservationId = null)
    {
        using var response = await SendSignedAsync(QuotaRoutes.Authorize,
            JsonContent.Create(new AuthorizeRequest(ApiKeyHash.Compute(apiKey), model, checked((int)tokens), stream, reservationId ?? NewReservationId()), CommonJsonContext.Default.AuthorizeRequest));
        Assert.True(response.IsSuccessStatusCode, $"authorize answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync(CommonJsonContext.Default.AuthorizeDecision))!;
    }

    /// <summary>Settles; <paramref name="keyId"/> and <paramref name="tenant"/> are the hint a core passes from its decision.</summary>
    public Task<HttpResponseMessage> SettleAsync(string reservationId, int promptTokens, int completionTokens, bool forwarded = true, string? keyId = null, string? tenant = null) =>
        SendSignedAsync(QuotaRoutes.Settle, JsonContent.Create(
            new SettleRequest(reservationId, promptTokens, completionTokens, forwarded, forwarded ? "completed" : "origin_unreachable", keyId, tenant),
            CommonJsonContext.Default.SettleRequest));

    public Task<HttpResponseMessage> RenewAsync(string reservationId) => SendSignedAsync(QuotaRoutes.Renew(reservationId), null);

    /// <summary>Asks for <paramref name="tokens"/> more on a stream's reservation, charged to <paramref name="apiKey"/>.</summary>
    public Task<HttpResponseMessage> ExtendAsync(string reservationId, string apiKey, long tokens) =>
        SendSignedAsync(QuotaRoutes.Extend(reservationId), JsonContent.Create(new ExtendRequest(ApiKeyHash.Compute(apiKey), tokens), CommonJsonContext.Default.ExtendRequest));

    public async Task<HttpResponseMessage> SendSignedAsync(string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        _signature.Sign(request);
        return await http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? json = null, string? token = QuotaCluster.AdminToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    public async Task<JsonElement> AdminJsonAsync(HttpMethod method, string path, string? json = null, System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK)
    {
        using var response = await AdminAsync(method, path, json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}, expected {(int)expected}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Creates a key through the admin API; returns its id and the plain key.</summary>
    public async Task<(string Id, string Key)> CreateKeyAsync(string json)
    {
        var created = await AdminJsonAsync(HttpMethod.Post, "/admin/keys", json, System.Net.HttpStatusCode.Created);
        return (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
    }

    public Task<JsonElement> UsageAsync(string keyId) => AdminJsonAsync(HttpMethod.Get, $"/admin/keys/{keyId}/usage");

    public static string NewReservationId() => Guid.NewGuid().ToString("N");

    public void Dispose() => http.Dispose();
}
