using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AiCdn.Common;
using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Quota;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.CoreRelay.Tests;

/// <summary>
/// Settlements keep up with the requests that made the reservations: many go out at once, and one
/// that keeps failing waits for its retry aside instead of holding up those behind it.
/// </summary>
public sealed class SettlementQueueTests
{
    private const int Requests = 40;
    private const int Failing = 8;
    private const int HeldUntilInFlight = 16;

    [Fact]
    public async Task ManySettlements_GoOutTogether_AndFailingOnesDoNotHoldUpTheRest()
    {
        var gate = new SettleGate();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = gate.AddTo });
        using var client = chain.CreateEdgeClient();

        var statuses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async _ =>
        {
            using var response = await client.SendAsync(Support.Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 3));
            return response.StatusCode;
        }));
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));

        // Four settlements at a time (or a worker stuck retrying one) never gets here.
        await Wait.UntilAsync(() => gate.Settled == Requests, TimeSpan.FromSeconds(60),
            $"every reservation settled (settled {gate.Settled}, most at once {gate.MaxInFlight})");
        Assert.True(gate.MaxInFlight >= HeldUntilInFlight, $"at most {gate.MaxInFlight} settlements were in flight at once");

        var queue = chain.Core.Services.GetRequiredService<SettlementQueue>();
        await Wait.UntilAsync(() => queue.Pending == 0, TimeSpan.FromSeconds(10), $"nothing left pending ({queue.Pending})");
    }

    [Fact]
    public async Task CoreDisposed_ThenStoppedAgain_DoesNotThrow()
    {
        // A test (or a host) that stops a core it already disposed: the second stop is a no-op.
        var chain = await Chain.StartAsync();
        await chain.Core.DisposeAsync();
        await chain.Core.App.StopAsync();
        await chain.DisposeAsync();
    }

    /// <summary>
    /// In front of auth-quota's settle endpoint: the first <see cref="Failing"/> reservations are
    /// refused (503) until every other one has settled; the others are held until
    /// <see cref="HeldUntilInFlight"/> of them are in flight together (or 20 s have passed).
    /// </summary>
    private sealed class SettleGate
    {
        private readonly ConcurrentDictionary<string, bool> _failing = new();
        private readonly ConcurrentDictionary<string, byte> _settled = new();
        private readonly TaskCompletionSource _enoughInFlight = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _maxInFlight;

        public int Settled => _settled.Count;

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public void AddTo(IServiceCollection services) =>
            services.AddHttpClient<QuotaDecisions>().AddHttpMessageHandler(() => new Handler(this));

        private bool IsFailing(string reservationId)
        {
            lock (_failing)
            {
                if (!_failing.TryGetValue(reservationId, out var failing))
                {
                    failing = _failing.Count(pair => pair.Value) < Failing;
                    _failing[reservationId] = failing;
                }

                return failing;
            }
        }

        private sealed class Handler(SettleGate gate) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.RequestUri?.AbsolutePath != QuotaRoutes.Settle || request.Content is null)
                {
                    return await base.SendAsync(request, cancellationToken);
                }

                var json = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                var id = JsonSerializer.Deserialize(json, CommonJsonContext.Default.SettleRequest)!.ReservationId;
                if (gate.IsFailing(id))
                {
                    if (gate.Settled < Requests - Failing)
                    {
                        return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
                    }
                }
                else
                {
                    var inFlight = Interlocked.Increment(ref gate._inFlight);
                    AtomicMax.Update(ref gate._maxInFlight, inFlight);
                    if (inFlight >= HeldUntilInFlight)
                    {
                        gate._enoughInFlight.TrySetResult();
                    }

                    try
                    {
                        await gate._enoughInFlight.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
                    }
                    catch (TimeoutException)
                    {
                    }
                    finally
                    {
                        Interlocked.Decrement(ref gate._inFlight);
                    }
                }

                var response = await base.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    gate._settled.TryAdd(id, 0);
                }

                return response;
            }
        }
    }
}
