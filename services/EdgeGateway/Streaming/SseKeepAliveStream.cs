namespace AiCdn.EdgeGateway.Streaming;

/// <summary>
/// The client's side of an event stream: every write passes through, and after
/// <see cref="EdgeOptions.SseKeepAliveInterval"/> of silence an SSE comment (<c>: keep-alive</c>,
/// which every SSE parser ignores) is written between events, so proxies, load balancers and SDKs
/// between the edge and the client do not give up on a model that thinks for minutes. Never inside
/// an event: the bytes written are followed with <see cref="SseBoundaryScanner"/>, and a comment
/// goes out only at a boundary. One timer per stream, moved on by each write; writes and comments
/// take turns under one lock.
/// </summary>
public sealed class SseKeepAliveStream : Stream
{
    /// <summary>A comment line and the blank line that ends it.</summary>
    private static readonly byte[] s_comment = ": keep-alive\n\n"u8.ToArray();

    private readonly Stream _inner;
    private readonly TimeSpan _interval;
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationToken _clientGone;
    private SseBoundaryScanner _scanner = SseBoundaryScanner.Start;
    private volatile bool _disposed;

    public SseKeepAliveStream(Stream inner, TimeSpan interval, TimeProvider time, CancellationToken clientGone)
    {
        _inner = inner;
        _interval = interval;
        _clientGone = clientGone;
        _timer = time.CreateTimer(static state => _ = ((SseKeepAliveStream)state!).KeepAliveAsync(), this, interval, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Comments written so far (for tests and diagnostics).</summary>
    public int CommentsSent { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _scanner.Advance(buffer.Span);
            await _inner.WriteAsync(buffer, cancellationToken);
            _timer.Change(_interval, Timeout.InfiniteTimeSpan);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Event streams are written asynchronously only.");

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private async Task KeepAliveAsync()
    {
        if (_disposed || _clientGone.IsCancellationRequested || !_gate.Wait(0))
        {
            // A write is under way: it moves the timer on itself.
            return;
        }

        try
        {
            if (_scanner.AtBoundary && !_disposed)
            {
                await _inner.WriteAsync(s_comment, _clientGone);
                await _inner.FlushAsync(_clientGone);
                CommentsSent++;
            }

            if (!_disposed)
            {
                _timer.Change(_interval, Timeout.InfiniteTimeSpan);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client left, or the response ended meanwhile: nothing to keep alive.
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _timer.Dispose();
        }

        base.Dispose(disposing);
    }
}
