using System.Collections.Concurrent;
using System.Text.Json;
using AiCdn.CoreRelay.Quota;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.ResumableStreams.Tests.Support;

/// <summary>
/// Records the settlements a core sends to auth-quota (and passes them on), by reservation. A core
/// sends a settlement again when an attempt got no answer in time (auth-quota settles idempotently),
/// so what counts is the reservations settled and the tokens each was settled with, not attempts.
/// </summary>
internal sealed class SettlementCounter
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Prompt, int Completion)> _lost = new(StringComparer.Ordinal);

    /// <summary>Completion tokens of each settled reservation (the first attempt's figure).</summary>
    public IReadOnlyCollection<int> CompletionTokens => _attempts.Values.Select(attempts => attempts.First()).ToArray();

    /// <summary>Reservations whose repeated attempts did not all carry the same figure (must be none).</summary>
    public IReadOnlyCollection<string> Inconsistent =>
        _attempts.Where(pair => pair.Value.Distinct().Count() > 1).Select(pair => pair.Key).ToArray();

    /// <summary>Usage of each reservation this core settled for an edge that lost the stream's core (outcome <c>core_lost</c>).</summary>
    public IReadOnlyCollection<(int Prompt, int Completion)> LostStreams => _lost.Values.ToArray();

    public void AddTo(IServiceCollection services) =>
        services.AddHttpClient<QuotaDecisions>().AddHttpMessageHandler(() => new Handler(this));

    private sealed class Handler(SettlementCounter counter) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath == AiCdn.Common.Quota.QuotaRoutes.Settle && request.Content is not null)
            {
                using var json = JsonDocument.Parse(await request.Content.ReadAsByteArrayAsync(cancellationToken));
                var reservation = json.RootElement.GetProperty("reservation_id").GetString()!;
                counter._attempts.GetOrAdd(reservation, _ => new ConcurrentQueue<int>())
                    .Enqueue(json.RootElement.GetProperty("completion_tokens").GetInt32());
                if (json.RootElement.GetProperty("outcome").GetString() == "core_lost")
                {
                    counter._lost.TryAdd(reservation, (json.RootElement.GetProperty("prompt_tokens").GetInt32(), json.RootElement.GetProperty("completion_tokens").GetInt32()));
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
