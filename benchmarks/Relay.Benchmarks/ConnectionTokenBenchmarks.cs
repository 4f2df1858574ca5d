using System.Net;
using AiCdn.EdgeGateway.Protection;
using BenchmarkDotNet.Attributes;

namespace AiCdn.Relay.Benchmarks;

/// <summary>
/// What the edge's per-IP connection rate (<c>Edge:Limits:PerIpConnectionsPerSecond</c>) adds to
/// accepting a connection: one token taken from the client's bucket (and its lease disposed), for
/// clients spread over 1,000 addresses. The baseline computes the partition key alone, which the
/// gate did not need before. An accepted connection costs the edge tens of microseconds (a refused
/// one about 80 µs of accept and close in docs/perf/websocket-floods.md).
/// </summary>
[MemoryDiagnoser]
public class ConnectionTokenBenchmarks
{
    private readonly IPAddress[] _clients = Enumerable.Range(0, 1000).Select(i => new IPAddress([10, 0, (byte)(i >> 8), (byte)i])).ToArray();
    private readonly ClientIpRateLimiter _limiter = new(int.MaxValue, 1e9, TimeProvider.System);
    private uint _next;

    [Benchmark(Baseline = true)]
    public IPAddress PartitionKeyOnly() => ClientAddresses.PartitionKey(_clients[(int)(_next++ % (uint)_clients.Length)]);

    [Benchmark]
    public bool TakeConnectionToken()
    {
        using var lease = _limiter.AttemptAcquire(ClientAddresses.PartitionKey(_clients[(int)(_next++ % (uint)_clients.Length)]));
        return lease.IsAcquired;
    }
}
