using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.Protection;

/// <summary>
/// The edge's three request limits: per-client concurrency, per-client rate, global rate (each
/// null when configured off). A timer on the injected clock drops idle per-client state.
/// </summary>
public sealed class EdgeRateLimiters : IDisposable
{
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(1);
    private readonly ITimer _sweep;

    public EdgeRateLimiters(IOptions<EdgeOptions> options, TimeProvider time)
    {
        var limits = options.Value.Limits;
        if (limits.GlobalRequestsPerSecond > 0)
        {
            Global = new TimeProviderTokenBucket(limits.EffectiveGlobalBurst, limits.GlobalRequestsPerSecond, time);
        }

        if (limits.PerIpRequestsPerSecond > 0)
        {
            ClientRate = new ClientIpRateLimiter(limits.EffectivePerIpBurst, limits.PerIpRequestsPerSecond, time);
        }

        if (limits.EffectivePerIpConnectionsPerSecond > 0)
        {
            ClientConnections = new ClientIpRateLimiter(limits.EffectivePerIpConnectionBurst, limits.EffectivePerIpConnectionsPerSecond, time);
        }

        if (limits.PerIpConcurrentRequests > 0)
        {
            ClientConcurrency = new ClientIpConcurrencyLimiter(limits.PerIpConcurrentRequests);
        }

        if (options.Value.WebSocket.FloodPenalty > TimeSpan.Zero)
        {
            WebSocketFlooders = new PenaltyBox(options.Value.WebSocket.FloodPenalty, EdgeWebSocketOptions.FloodPenaltyCapacity, time);
        }

        _sweep = time.CreateTimer(static state => ((EdgeRateLimiters)state!).Sweep(), this, IdleAfter, IdleAfter);
    }

    public TimeProviderTokenBucket? Global { get; }

    public ClientIpRateLimiter? ClientRate { get; }

    public ClientIpConcurrencyLimiter? ClientConcurrency { get; }

    /// <summary>Clients whose chat socket was closed for a frame flood, refused new ones for <see cref="EdgeWebSocketOptions.FloodPenalty"/>.</summary>
    public PenaltyBox? WebSocketFlooders { get; }

    /// <summary>New connections per client IP (<see cref="EdgeLimitsOptions.PerIpConnectionsPerSecond"/>), taken at accept.</summary>
    public ClientIpRateLimiter? ClientConnections { get; }

    /// <summary>The wait a refused lease reports, or <paramref name="fallback"/>.</summary>
    public static TimeSpan RetryAfter(RateLimitLease lease, TimeSpan fallback) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : fallback;

    public void Sweep()
    {
        ClientRate?.RemoveIdle(IdleAfter);
        ClientConnections?.RemoveIdle(IdleAfter);
        WebSocketFlooders?.RemoveExpired();
        ClientConcurrency?.RemoveIdle();
    }

    public void Dispose()
    {
        _sweep.Dispose();
        Global?.Dispose();
        ClientRate?.Dispose();
        ClientConnections?.Dispose();
        ClientConcurrency?.Dispose();
    }

    /// <summary>Takes the per-client and global rate tokens for one request; null when granted, else the refusal.</summary>
    public (string Limit, TimeSpan RetryAfter)? TryTakeRate(IPAddress client)
    {
        if (ClientRate is not null)
        {
            using var lease = ClientRate.AttemptAcquire(client);
            if (!lease.IsAcquired)
            {
                return (Telemetry.LimitKinds.IpRate, RetryAfter(lease, TimeSpan.FromSeconds(1)));
            }
        }

        if (Global is not null)
        {
            using var lease = Global.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                return (Telemetry.LimitKinds.Global, RetryAfter(lease, TimeSpan.FromSeconds(1)));
            }
        }

        return null;
    }
}
