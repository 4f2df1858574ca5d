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
    private byte[]? _copy;
    private int _copied;
    private int _replayed;
    private bool _replaying;
    private volatile bool _committed;
    private bool _overflowed = length > limit;

    /// <summary>Whether any read took bytes from the client's body.</summary>
    public bool Started { get; private set; }

    /// <summary>Whether the body can be sent again from its first byte.</summary>
    public bool CanReplay => !Started || (!_overflowed && !_committed);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Sends what was read again before reading on. Only when <see cref="CanReplay"/>.</summary>
    public void Rewind()
    {
        if (!CanReplay)
        {
            throw new InvalidOperationException("The body was read beyond what was kept.");
        }

        _replaying = _copied > 0;
        _replayed = 0;
    }

    /// <summary>A core answered: no attempt follows, so nothing more is kept.</summary>
    public void Commit()
    {
        _committed = true;
        _copy = null;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_replaying)
        {
            return Replay(buffer.Span);
        }

        var read = await inner.ReadAsync(buffer, cancellationToken);
        Keep(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_replaying)
        {
            return Replay(buffer.AsSpan(offset, count));
        }

        var read = inner.Read(buffer, offset, count);
        Keep(buffer.AsSpan(offset, read));
        return read;
    }

    private int Replay(Span<byte> destination)
    {
        var copy = _copy!;
        var count = Math.Min(destination.Length, _copied - _replayed);
        copy.AsSpan(_replayed, count).CopyTo(destination);
        _replayed += count;
        _replaying = _replayed < _copied;
        return count;
    }

    private void Keep(ReadOnlySpan<byte> read)
    {
        if (read.IsEmpty)
        {
            return;
        }

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

        var copy = _copy;
        if (copy is null || copy.Length < _copied + read.Length)
        {
            // Sized for the whole body when its length is known, so a body is copied once.
            var size = Math.Max(_copied + read.Length, (int)Math.Min(limit, copy is null ? length ?? 4096 : copy.Length * 2L));
            var grown = new byte[size];
            copy?.AsSpan(0, _copied).CopyTo(grown);
            _copy = copy = grown;
            if (_committed)
            {
                _copy = null;
                return;
            }
        }

        read.CopyTo(copy.AsSpan(_copied));
        _copied += read.Length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
