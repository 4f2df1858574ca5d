using System.Collections.Concurrent;
using System.Text.Json;
using AiCdn.Common;
using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Quota;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.CoreRelay.Tests.Support;

/// <summary>Sees every settlement the core sends to auth-quota (and lets it through), so tests can check what was charged.</summary>
public sealed class SettlementRecorder
{
    private readonly ConcurrentQueue<SettleRequest> _settled = new();

    public IReadOnlyList<SettleRequest> Settled => _settled.ToArray();

    public void AddTo(IServiceCollection services) =>
        services.AddHttpClient<QuotaDecisions>().AddHttpMessageHandler(() => new Handler(this));

    public async Task<SettleRequest> WaitForCountAsync(int count)
    {
        await Testing.Wait.UntilAsync(() => _settled.Count >= count, TimeSpan.FromSeconds(15), $"{count} settlement(s) sent to auth-quota (saw {_settled.Count})");
        return _settled.ToArray()[count - 1];
    }

    private sealed class Handler(SettlementRecorder recorder) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath == QuotaRoutes.Settle && request.Content is not null)
            {
                var json = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                recorder._settled.Enqueue(JsonSerializer.Deserialize(json, CommonJsonContext.Default.SettleRequest)!);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
