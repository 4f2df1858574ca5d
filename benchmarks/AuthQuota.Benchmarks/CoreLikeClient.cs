using System.Net.Http.Json;
using AiCdn.Common;
using AiCdn.Common.Quota;
using AiCdn.Common.Security;

namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>Calls auth-quota the way core-relay's QuotaDecisions does: signed POSTs, source-generated JSON, pooled connections.</summary>
public sealed class CoreLikeClient(Uri address) : IDecisionClient
{
    private static readonly string s_keyHash = ApiKeyHash.Compute(AuthQuotaServer.ApiKey);

    // A bounded pool, as a relay's client has: when answers slow down, calls queue for a
    // connection (and the wait counts, since latency runs from the scheduled time) instead of
    // opening thousands of sockets until the process runs out of descriptors.
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { BaseAddress = address };
    private readonly ClusterSignature _signature = new(AuthQuotaServer.ClusterSecret, TimeProvider.System);

    public async Task<AuthorizeDecision> AuthorizeAsync(bool stream)
    {
        using var message = Signed(QuotaRoutes.Authorize);
        message.Content = JsonContent.Create(new AuthorizeRequest(s_keyHash, "mock-gpt", 600, stream, Guid.NewGuid().ToString("N")), CommonJsonContext.Default.AuthorizeRequest);
        using var response = await _http.SendAsync(message);
        var decision = await response.Content.ReadFromJsonAsync(CommonJsonContext.Default.AuthorizeDecision)
            ?? throw new InvalidOperationException("empty decision");
        return decision.Allowed ? decision : throw new InvalidOperationException($"refused: {decision.Error?.Message}");
    }

    public async Task SettleAsync(AuthorizeDecision decision)
    {
        using var message = Signed(QuotaRoutes.Settle);
        message.Content = JsonContent.Create(new SettleRequest(decision.ReservationId, 100, 400, true, "completed", decision.KeyId, decision.Tenant), CommonJsonContext.Default.SettleRequest);
        using var response = await _http.SendAsync(message);
        if ((int)response.StatusCode != 204)
        {
            throw new InvalidOperationException($"settle answered {(int)response.StatusCode}");
        }
    }

    private HttpRequestMessage Signed(string path)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, path);
        message.Headers.TryAddWithoutValidation(ClusterSignature.HeaderName, _signature.Create("POST", path));
        return message;
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
