using AiCdn.Common.Routing;
using AiCdn.EdgeGateway.Forwarding;
using BenchmarkDotNet.Attributes;

namespace AiCdn.Relay.Benchmarks;

/// <summary>
/// What the edge adds to every request it may fail over: the body read through
/// <see cref="ReplayableBody"/> (a copy kept until the core answers) instead of straight, and the
/// attempt's name. The body is read as YARP copies it, into a 64 KiB buffer.
/// </summary>
[MemoryDiagnoser]
public class FailoverBodyBenchmarks
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private byte[] _body = [];

    /// <summary>A short chat request, and one with a long conversation in it.</summary>
    [Params(300, 16 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup() => _body = Enumerable.Range(0, BodyBytes).Select(i => (byte)('a' + (i % 26))).ToArray();

    [Benchmark(Baseline = true)]
    public Task<int> ReadStraight() => ReadAllAsync(new MemoryStream(_body, writable: false));

    [Benchmark]
    public Task<int> ReadKeepingACopy() => ReadAllAsync(new ReplayableBody(new MemoryStream(_body, writable: false), 256 * 1024, _body.Length));

    [Benchmark]
    public string NameTheAttempt() => CoreAttempt.First().ToString();

    private async Task<int> ReadAllAsync(Stream body)
    {
        var total = 0;
        int read;
        while ((read = await body.ReadAsync(_buffer)) > 0)
        {
            total += read;
        }

        return total;
    }
}
