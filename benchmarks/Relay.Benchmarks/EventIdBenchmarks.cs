using System.Text;
using AiCdn.Common.Streams;
using BenchmarkDotNet.Attributes;

namespace AiCdn.Relay.Benchmarks;

/// <summary>
/// What stamping one event of a resumable stream with its <c>id:</c> line costs the core (once per
/// event, on every streamed token). The baseline is the stamp as it was until 2026-12-07:
/// <c>id: &lt;stream&gt;.&lt;sequence&gt;</c> formatted into a string and encoded. The stamp now also
/// carries the usage so far (<c>.&lt;prompt&gt;.&lt;completion&gt;</c>), written as UTF-8 straight
/// into a stack buffer (<see cref="StreamId.StampEvent"/>, what the core runs).
/// </summary>
[MemoryDiagnoser]
public class EventIdBenchmarks
{
    private readonly string _streamId = StreamId.New("core-7f3a9c");
    private readonly byte[] _event = Encoding.UTF8.GetBytes(
        """data: {"id":"chatcmpl-0123456789","object":"chat.completion.chunk","created":1733600000,"model":"mock-gpt","choices":[{"index":0,"delta":{"content":" token"},"finish_reason":null}]}""" + "\n\n");

    private long _sequence = 1_000;

    [Benchmark(Baseline = true)]
    public byte[] SequenceOnly_StringThenEncoding()
    {
        var body = _event.AsSpan(0, _event.Length - 1);
        var id = Encoding.ASCII.GetBytes($"id: {_streamId}.{++_sequence}\n\n");
        var stamped = new byte[body.Length + id.Length];
        body.CopyTo(stamped);
        id.CopyTo(stamped.AsSpan(body.Length));
        return stamped;
    }

    [Benchmark]
    public byte[] WithUsage_Utf8OnTheStack() => StreamId.StampEvent(_event, _streamId, ++_sequence, 1_234, 567);
}
