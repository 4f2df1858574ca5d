using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.ResumableStreams.Tests;

/// <summary>Counts the settlements a core sends to auth-quota (and passes them on), with their completion tokens.</summary>
internal sealed class SettlementCounter
{
    private readonly ConcurrentQueue<int> _completionTokens = new();

    public IReadOnlyCollection<int> CompletionTokens => _completionTokens.ToArray();

    public void AddTo(IServiceCollection services) =>
        services.AddHttpClient<AiCdn.CoreRelay.Admission.AuthQuotaClient>().AddHttpMessageHandler(() => new Handler(this));

    private sealed class Handler(SettlementCounter counter) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath == AiCdn.Common.Quota.QuotaRoutes.Settle && request.Content is not null)
            {
                using var json = JsonDocument.Parse(await request.Content.ReadAsByteArrayAsync(cancellationToken));
                counter._completionTokens.Enqueue(json.RootElement.GetProperty("completion_tokens").GetInt32());
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
