namespace AiCdn.CoreRelay.Resumable;

/// <summary>One reader's view of a <see cref="StreamSession"/>: the events from a position on, live.</summary>
public sealed class SessionReaderStream : Stream
{
    private readonly StreamSession _session;
    private int _disposed;

    internal SessionReaderStream(StreamSession session, long next)
    {
        _session = session;
        Next = next;
    }

    /// <summary>The sequence of the next event this reader gets (written under the session's lock).</summary>
    internal long Next { get; set; }

    /// <summary>Bytes of event <see cref="Next"/> already copied.</summary>
    internal int Offset { get; set; }

    /// <summary>
    /// A later reader took the stream over: this one gets <see cref="Closing"/> (the rest of the
    /// event it was in, then an error event saying why) and ends. Written under the session's lock.
    /// </summary>
    internal bool Superseded => Closing is not null;

    /// <summary>What a superseded reader still sends before it ends; <see cref="ClosingOffset"/> bytes of it are sent.</summary>
    internal byte[]? Closing { get; set; }

    internal int ClosingOffset { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (destination.IsEmpty)
            {
                await _session.WaitAsync(this, cancellationToken);
                return 0;
            }

            var read = _session.Read(this, destination.Span, out var ended);
            if (read > 0 || ended)
            {
                return read;
            }

            await _session.WaitAsync(this, cancellationToken);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _session.Unsubscribe(this);
        }

        base.Dispose(disposing);
    }
}
