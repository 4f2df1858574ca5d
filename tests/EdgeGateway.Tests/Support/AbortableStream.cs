using System.IO.Pipelines;

namespace AiCdn.EdgeGateway.Tests.Support;

/// <summary>
/// A response body fed by a test, behaving like HttpClient's on abort: disposing it fails a
/// pending read, as resetting an HTTP/2 stream does.
/// </summary>
public sealed class AbortableStream(PipeReader reader) : Stream
{
    private volatile bool _disposed;

    public bool IsDisposed => _disposed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = await reader.ReadAsync(cancellationToken);
        if (result.IsCanceled || _disposed)
        {
            throw new IOException("The response was aborted.");
        }

        if (buffer.IsEmpty)
        {
            reader.AdvanceTo(result.Buffer.Start);
            return 0;
        }

        var count = (int)Math.Min(buffer.Length, result.Buffer.Length);
        var slice = result.Buffer.Slice(0, count);
        foreach (var segment in slice)
        {
            segment.Span.CopyTo(buffer.Span);
            buffer = buffer[segment.Length..];
        }

        reader.AdvanceTo(slice.End);
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            reader.CancelPendingRead();
        }

        base.Dispose(disposing);
    }
}
