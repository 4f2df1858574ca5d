using AiCdn.Common.Warmup;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.Testing;

/// <summary>
/// Holds a service's warm-up at its start until <see cref="Release"/>, so a test sees the service
/// while it is still warming (and can start watching its metrics before any warm-up request exists).
/// </summary>
public sealed class HeldWarmup : IDisposable
{
    private readonly ManualResetEventSlim _released = new();

    public void Release() => _released.Set();

    /// <summary>Replaces the service's <see cref="WarmupRequests"/> (<typeparamref name="TRequests"/>) with a held one, for a ChainSettings *Services action.</summary>
    public Action<IServiceCollection> Install<TRequests>()
        where TRequests : WarmupRequests => services =>
    {
        services.AddSingleton<TRequests>();
        services.AddSingleton<WarmupRequests>(sp => new Held(sp.GetRequiredService<TRequests>(), _released));
    };

    public void Dispose()
    {
        _released.Set();
        _released.Dispose();
    }

    private sealed class Held(WarmupRequests inner, ManualResetEventSlim released) : WarmupRequests
    {
        public override IReadOnlyList<WarmupTarget> Targets(IReadOnlyCollection<string> serverAddresses)
        {
            // Warm-up asks for its targets once, on a thread of its own, before its first request.
            if (!released.Wait(TimeSpan.FromMinutes(1)))
            {
                throw new TimeoutException("The test never released the warm-up.");
            }

            return inner.Targets(serverAddresses);
        }

        public override HttpRequestMessage Create(WarmupTarget target, int number) => inner.Create(target, number);
    }
}
