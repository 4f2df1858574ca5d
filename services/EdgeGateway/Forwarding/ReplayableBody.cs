namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// The client's request body, passed through while a copy of what was read is kept, up to
/// <c>limit</c> bytes, until the core answers. When a core is lost before answering, the next core
/// is sent the same bytes again (<see cref="Rewind"/>), then the rest of the client's body.
/// A body larger than the limit cannot be replayed once read; the copy is dropped as soon as the
/// core's answer starts (<see cref="Commit"/>), so a held stream keeps none of it.
/// <paramref name="length"/> is the body's declared length, when it has one.
/// </summary>
public sealed class ReplayableBody(Stream inner, int limit, long? length) : Stream
{
    /// <summary>The first copy's size when the body's length is not known, or larger than this.</summary>
    private const int FirstCopyBytes = 4096;

    // Reads are never concurrent, but the core's answer (Commit) may start on another thread while
    // the body is still being read or sent again: the copy is dropped only when no read uses it.
    private readonly Lock _gate = new();
    private byte[]? _copy;
    private int _copied;
    private int _replayed;
    private bool _replaying;
    private bool _committed;
    private bool _overflowed = length > limit;

    /// <summary>Whether any read took bytes from the client's body.</summary>
    public bool Started { get; private set; }

    /// <summary>Whether the body can be sent again from its first byte.</summary>
    public bool CanReplay
    {
        get
        {
            lock (_gate)
            {
                return !Started || (!_overflowed && !_committed);
            }
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Sends what was read again before reading on. Only when <see cref="CanReplay"/>.</summary>
    public void Rewind()
    {
        lock (_gate)
        {
            if (Started && (_overflowed || _committed))
            {
                throw new InvalidOperationException("The body was read beyond what was kept.");
            }

            _replaying = _copied > 0;
            _replayed = 0;
        }
    }

    /// <summary>A core answered: no attempt follows, so nothing more is kept.</summary>
    public void Commit()
    {
        lock (_gate)
        {
            _committed = true;
            if (!_replaying)
            {
                _copy = null;
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryReplay(buffer.Span, out var replayed))
        {
            return replayed;
        }

        var read = await inner.ReadAsync(buffer, cancellationToken);
        Keep(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (TryReplay(buffer.AsSpan(offset, count), out var replayed))
        {
            return replayed;
        }

        var read = inner.Read(buffer, offset, count);
        Keep(buffer.AsSpan(offset, read));
        return read;
    }

    private bool TryReplay(Span<byte> destination, out int count)
    {
        lock (_gate)
        {
            if (!_replaying)
            {
                count = 0;
                return false;
            }

            count = Math.Min(destination.Length, _copied - _replayed);
            _copy.AsSpan(_replayed, count).CopyTo(destination);
            _replayed += count;
            _replaying = _replayed < _copied;
            if (!_replaying && _committed)
            {
                _copy = null;
            }

            return true;
        }
    }

    private void Keep(ReadOnlySpan<byte> read)
    {
        if (read.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            Started = true;
            if (_overflowed || _committed)
            {
                return;
            }

            if (_copied + read.Length > limit)
            {
                _overflowed = true;
                _copy = null;
                return;
            }

            // Grown with what arrived, not sized from the declared length: a client that sends its body
            // slowly holds no more of the edge's memory than it has sent.
            if (_copy is null || _copy.Length < _copied + read.Length)
            {
                var size = Math.Max(_copied + read.Length, Math.Min(limit, _copy is null ? (int)Math.Min(length ?? FirstCopyBytes, FirstCopyBytes) : _copy.Length * 2));
                var grown = new byte[size];
                _copy?.AsSpan(0, _copied).CopyTo(grown);
                _copy = grown;
            }

            read.CopyTo(_copy.AsSpan(_copied));
            _copied += read.Length;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
