using AiCdn.EdgeGateway.WebSockets;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class FrameBudgetStreamTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task ReadAsync_FramesOfEveryLengthEncodingSplitAnywhere_EachSmallOneCountedOnce()
    {
        // 7-bit, 16-bit and 64-bit lengths, masked and not, an empty ping, read a byte at a time;
        // five small frames and two of 1 KiB and more, which are not counted.
        byte[][] frames = [Frame(0x01, 0), Frame(0x09, 0), Frame(0x02, 125), Frame(0x02, 1023), Frame(0x00, 1024), Frame(0x00, 70_000), Frame(0x0A, 3, masked: false)];
        byte[] wire = [.. frames.SelectMany(f => f)];
        await using var exact = new FrameBudgetStream(new ChunkedStream(wire.Select(b => new[] { b })), framesPerSecond: 1, burst: 5, _time);

        Assert.Equal(wire, await ReadAllAsync(exact, expectedBytes: wire.Length));
        Assert.False(exact.IsExceeded);

        await using var oneShort = new FrameBudgetStream(new ChunkedStream([wire]), framesPerSecond: 1, burst: 4, _time);
        var passed = await oneShort.ReadAsync(new byte[wire.Length]);

        // Everything before the last frame, not a byte of it.
        Assert.Equal(wire.Length - frames[^1].Length, passed);
        Assert.True(oneShort.IsExceeded);
    }

    [Fact]
    public async Task ReadAsync_BurstSpent_RefilledAtTheRateAsTimePasses()
    {
        var ping = Frame(0x09, 0);
        var reads = new Queue<byte[]>([ping, ping, ping, ping]);
        await using var stream = new FrameBudgetStream(new ChunkedStream(reads), framesPerSecond: 2, burst: 2, _time);
        var buffer = new byte[64];

        Assert.Equal(ping.Length, await stream.ReadAsync(buffer));
        Assert.Equal(ping.Length, await stream.ReadAsync(buffer));
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(ping.Length, await stream.ReadAsync(buffer));
        Assert.False(stream.IsExceeded);

        var exceeded = 0;
        stream.Exceeded = () => exceeded++;
        var fourth = stream.ReadAsync(buffer).AsTask();

        // Over the budget: the read waits, the owner is told once, and Release ends it as the end of the stream.
        Assert.True(stream.IsExceeded);
        Assert.False(fourth.IsCompleted);
        Assert.Equal(1, exceeded);
        stream.Release();
        Assert.Equal(0, await fourth.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, exceeded);
    }

    /// <summary>A client frame (RFC 6455 5.2) with a payload of <paramref name="length"/> bytes.</summary>
    private static byte[] Frame(byte opcode, int length, bool masked = true)
    {
        var header = new List<byte> { (byte)(0x80 | opcode) };
        var mask = masked ? 0x80 : 0;
        if (length < 126)
        {
            header.Add((byte)(mask | length));
        }
        else if (length <= ushort.MaxValue)
        {
            header.AddRange([(byte)(mask | 126), (byte)(length >> 8), (byte)length]);
        }
        else
        {
            header.Add((byte)(mask | 127));
            header.AddRange(Enumerable.Range(0, 8).Select(i => (byte)((long)length >> (56 - (8 * i)))));
        }

        if (masked)
        {
            header.AddRange([1, 2, 3, 4]);
        }

        return [.. header, .. new byte[length]];
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, int expectedBytes)
    {
        var all = new List<byte>();
        var buffer = new byte[100_000];
        while (all.Count < expectedBytes)
        {
            var read = await stream.ReadAsync(buffer);
            Assert.True(read > 0, $"the stream ended after {all.Count} of {expectedBytes} bytes");
            all.AddRange(buffer.AsSpan(0, read));
        }

        return [.. all];
    }

    /// <summary>Returns the given chunks, one a read (split when the caller's buffer is smaller), then ends.</summary>
    private sealed class ChunkedStream(IEnumerable<byte[]> chunks) : Stream
    {
        private readonly IEnumerator<byte[]> _chunks = chunks.GetEnumerator();
        private ReadOnlyMemory<byte> _current;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_current.IsEmpty)
            {
                if (!_chunks.MoveNext())
                {
                    return ValueTask.FromResult(0);
                }

                _current = _chunks.Current;
            }

            var count = Math.Min(buffer.Length, _current.Length);
            _current[..count].CopyTo(buffer);
            _current = _current[count..];
            return ValueTask.FromResult(count);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
