using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AiCdn.Common.Streams;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Telemetry;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Resumable;

/// <summary>
/// This core's resumable streams by id. A finished stream stays findable for the grace period,
/// then leaves a tombstone so its owner gets 410 (not 404) for a while longer. On shutdown every
/// stream still consuming its origin is cancelled, so its usage is settled before the process exits.
/// </summary>
public sealed partial class StreamRegistry : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, StreamSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string OwnerKeyHash, DateTimeOffset ExpiresAt)> _tombstones = new(StringComparer.Ordinal);
    private readonly ResumableOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StreamRegistry> _logger;
    private readonly ITimer _sweeper;

    public StreamRegistry(IOptions<CoreRelayOptions> options, TimeProvider time, CoreRelayMetrics metrics, ILogger<StreamRegistry> logger)
    {
        _options = options.Value.Resumable;
        _time = time;
        _logger = logger;
        NodeId = string.IsNullOrEmpty(_options.NodeId) ? StreamId.DefaultNodeId() : _options.NodeId;
        Budget = new ReplayBudget(_options.MaxBytesTotal);
        metrics.ObserveResumable(() => Budget.Used, () => _sessions.Count);
        _sweeper = time.CreateTimer(static state => ((StreamRegistry)state!).SweepTombstones(), this, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    /// <summary>This core's name in stream ids.</summary>
    public string NodeId { get; }

    public ReplayBudget Budget { get; }

    public int Count => _sessions.Count;

    public StreamSession Create(RelayAccounting accounting, string ownerKeyHash)
    {
        var session = new StreamSession(StreamId.New(NodeId), ownerKeyHash, accounting, Budget, _options, _time);
        _sessions[session.Id] = session;
        _ = ForgetWhenDoneAsync(session);
        return session;
    }

    public ResumeLookup Find(string id, string keyHash, out StreamSession? session)
    {
        session = null;
        if (_sessions.TryGetValue(id, out var found) && SameKey(found.OwnerKeyHash, keyHash))
        {
            session = found;
            return ResumeLookup.Found;
        }

        if (_tombstones.TryGetValue(id, out var tombstone) && SameKey(tombstone.OwnerKeyHash, keyHash))
        {
            return ResumeLookup.Expired;
        }

        return ResumeLookup.NotFound;
    }

    private static bool SameKey(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private async Task ForgetWhenDoneAsync(StreamSession session)
    {
        await session.Completion;

        // Late resumers get a finished stream for the grace period, then a tombstone. An abandoned
        // one (nobody came back in time) is over at once: a resume must not look like a whole answer.
        try
        {
            if (!session.Abandoned)
            {
                await Task.Delay(_options.GracePeriod, _time);
            }
        }
        finally
        {
            if (_options.TombstoneLifetime > TimeSpan.Zero)
            {
                _tombstones[session.Id] = (session.OwnerKeyHash, _time.GetUtcNow() + _options.TombstoneLifetime);
            }

            if (_sessions.TryRemove(session.Id, out _))
            {
                session.Release();
            }
        }
    }

    private void SweepTombstones()
    {
        var now = _time.GetUtcNow();
        foreach (var (id, tombstone) in _tombstones)
        {
            if (tombstone.ExpiresAt <= now)
            {
                _tombstones.TryRemove(id, out _);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogNode(_logger, NodeId);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var running = _sessions.Values.Where(s => !s.Completion.IsCompleted).ToList();
        foreach (var session in running)
        {
            session.Cancel();
        }

        await Task.WhenAll(running.Select(s => s.Completion)).WaitAsync(cancellationToken);
    }

    public void Dispose() => _sweeper.Dispose();

    [LoggerMessage(EventId = 30, EventName = "ResumableNode", Level = LogLevel.Information, Message = "Resumable streams enabled on node {NodeId}.")]
    private static partial void LogNode(ILogger logger, string nodeId);
}
