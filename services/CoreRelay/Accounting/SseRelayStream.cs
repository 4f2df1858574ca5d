using System.Buffers;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// The stream YARP copies to the client for a plain (non-resumable) relayed SSE response: whole
/// events from an <see cref="SseEventReader"/>, as soon as each is complete.
/// </summary>
public sealed class SseRelayStream : Stream, ISseEventSink
{
    private readonly SseEventReader _reader;
    private byte[]? _out;
    private int _outStart;
    private int _outCount;

    public SseRelayStream(Stream upstream, RelayAccounting accounting, SseEventInspector inspector, bool dropUsageOnlyChunk, TimeSpan idleTimeout, TimeProvider time) =>
        _reader = new SseEventReader(upstream, accounting, inspector, dropUsageOnlyChunk, idleTimeout, time, this);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (destination.IsEmpty)
        {
            if (_outCount == 0)
            {
                await _reader.WaitForDataAsync(cancellationToken);
            }

            return 0;
        }

        while (_outCount == 0 && await _reader.ReadAsync(cancellationToken))
        {
        }

        return CopyOut(destination.Span);
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    void ISseEventSink.OnEvent(ReadOnlySpan<byte> bytes, bool isEvent)
    {
        if (_out is null)
        {
            _out = ArrayPool<byte>.Shared.Rent(Math.Max(16 * 1024, bytes.Length));
            _outStart = 0;
        }
        else if (_out.Length - _outStart - _outCount < bytes.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_out.Length * 2, _outCount + bytes.Length));
            _out.AsSpan(_outStart, _outCount).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_out);
            _out = larger;
            _outStart = 0;
        }

        bytes.CopyTo(_out.AsSpan(_outStart + _outCount));
        _outCount += bytes.Length;
    }

    private int CopyOut(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _outCount);
        _out.AsSpan(_outStart, count).CopyTo(destination);
        _outStart += count;
        _outCount -= count;
        if (_outCount == 0 && _out is not null)
        {
            // An idle stream holds no buffer of its own.
            ArrayPool<byte>.Shared.Return(_out);
            _out = null;
            _outStart = 0;
        }

        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _outCount = 0;
            if (_out is not null)
            {
                ArrayPool<byte>.Shared.Return(_out);
                _out = null;
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync();
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
