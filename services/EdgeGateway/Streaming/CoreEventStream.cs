using System.Runtime.CompilerServices;
using AiCdn.EdgeGateway.Telemetry;

namespace AiCdn.EdgeGateway.Streaming;

/// <summary>
/// The core's event-stream body as the edge reads it: bytes pass through untouched (YARP writes and
/// flushes each read to the client at once), while <see cref="SseBoundaryScanner"/> follows the event
/// boundaries. When the drain deadline passes, the stream ends at the next boundary with
/// <see cref="DrainingEvent"/> and the core's side is aborted, so the client sees a complete
/// response that says why it ended instead of a cut connection. For a resumable stream, a link to
/// the core that breaks is reopened on the same core after the last event the client received
/// whole (the bytes of the next event it already has are skipped), so the client sees one unbroken
/// stream; when that is impossible (the core is gone, or not back within the resume timeout) the
/// stream ends with <see cref="LinkLostEvent"/>, never silently. Reads allocate nothing: the async state machine is pooled.
/// </summary>
public sealed class CoreEventStream : Stream
{
    private readonly EdgeMetrics _metrics;
    private readonly LinkResumer? _resumer;
    private readonly Action<string?>? _linkLost;
    private readonly SseResumePoint? _resumePoint;
    private readonly TimeSpan _resumeTimeout;
    private readonly TimeProvider _time;
    private Stream _inner;
    private int _skip;
    private readonly bool _countsAsClientStream;
    private readonly Lock _gate = new();
    private CancellationTokenRegistration _deadline;
    private SseBoundaryScanner _scanner = SseBoundaryScanner.Start;
    private bool _drainRequested;
    private bool _upstreamAborted;
    private byte[]? _closing;
    private int _injected = -1;
    private bool _ended;
    private int _disposed;

    /// <param name="linkLost">
    /// Called once with the id of the last event the client received whole when a resumable stream's
    /// link is lost for good: the core holding it is gone, so the edge reports the usage to settle.
    /// </param>
    public CoreEventStream(Stream inner, CancellationToken drainDeadline, EdgeMetrics metrics, bool countsAsClientStream, TimeProvider time, LinkResumer? resumer = null, TimeSpan resumeTimeout = default, Action<string?>? linkLost = null)
    {
        _time = time;
        _inner = inner;
        _resumer = resumer;
        _linkLost = linkLost;
        _resumePoint = resumer is null ? null : new SseResumePoint();
        _resumeTimeout = resumeTimeout;
        _metrics = metrics;
        _countsAsClientStream = countsAsClientStream;
        if (countsAsClientStream)
        {
            metrics.StreamOpened();
        }

        _deadline = drainDeadline.UnsafeRegister(static state => ((CoreEventStream)state!).OnDrainDeadline(), this);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_ended)
                {
                    return 0;
                }

                if (_drainRequested && _scanner.AtBoundary)
                {
                    BeginDrainingEvent();
                }

                if (_injected >= 0)
                {
                    // A zero-byte read asks whether data is ready: it is.
                    return buffer.IsEmpty ? 0 : CopyClosingEvent(buffer.Span);
                }
            }

            int read;
            try
            {
                read = await _inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception) when (Volatile.Read(ref _upstreamAborted))
            {
                // We aborted the core's side ourselves at a boundary: now the closing event.
                lock (_gate)
                {
                    BeginDrainingEvent();
                    return buffer.IsEmpty ? 0 : CopyClosingEvent(buffer.Span);
                }
            }
            catch (Exception ex) when (_resumer is not null && !cancellationToken.IsCancellationRequested && IsLinkFailure(ex))
            {
                // The link to the core broke, not the stream: the core may still have it.
                if (await TryResumeAsync(cancellationToken))
                {
                    continue;
                }

                // It does not, or did not come back in time: say so, in the stream, and end it. The
                // core will not settle the stream now: the edge reports what its client received.
                _linkLost?.Invoke(_resumePoint!.LastEventId);
                lock (_gate)
                {
                    BeginClosingEvent(LinkLostEvent.Bytes, midEvent: _resumePoint!.BytesIntoEvent > 0);
                    return buffer.IsEmpty ? 0 : CopyClosingEvent(buffer.Span);
                }
            }

            if (buffer.IsEmpty)
            {
                return read;
            }

            if (_skip > 0 && read > 0)
            {
                // The resumed stream begins with the part of an event the client already has.
                var skipped = Math.Min(_skip, read);
                buffer.Span[skipped..read].CopyTo(buffer.Span);
                read -= skipped;
                _skip -= skipped;
                if (read == 0)
                {
                    continue;
                }
            }

            lock (_gate)
            {
                if (read == 0)
                {
                    if (_upstreamAborted)
                    {
                        // The abort surfaced as an end of stream rather than an exception.
                        BeginDrainingEvent();
                        return CopyClosingEvent(buffer.Span);
                    }

                    _ended = true;
                    return 0;
                }

                var bytes = buffer.Span[..read];
                if (!_drainRequested)
                {
                    _scanner.Advance(bytes);
                    return Relayed(bytes);
                }

                // Draining: pass the rest of the current event, then close with the error event.
                var end = _scanner.AdvanceToBoundary(bytes);
                if (end < 0)
                {
                    return Relayed(bytes);
                }

                BeginDrainingEvent();
                return end > 0 ? Relayed(bytes[..end]) : CopyClosingEvent(buffer.Span);
            }
        }
    }

    /// <summary>Notes bytes handed to the client, for an exact resume point.</summary>
    private int Relayed(ReadOnlySpan<byte> bytes)
    {
        _resumePoint?.Advance(bytes);
        return bytes.Length;
    }

    private async Task<bool> TryResumeAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_resumeTimeout, _time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                var resumed = await _resumer!(_resumePoint!.LastEventId, budget.Token);
                if (resumed is null)
                {
                    _metrics.LinkResume("gone");
                    return false;
                }

                var broken = _inner;
                lock (_gate)
                {
                    _inner = resumed;
                    _skip = _resumePoint.BytesIntoEvent;
                }

                broken.Dispose();
                _metrics.LinkResume("succeeded");
                return true;
            }
            catch (Exception ex) when (IsRefused(ex))
            {
                // Nothing listens where the core was: its process is gone, and its streams with it
                // (a core that comes back starts with no streams). Waiting cannot help.
                _metrics.LinkResume("refused");
                return false;
            }
            catch (Exception ex) when (!budget.IsCancellationRequested && IsLinkFailure(ex))
            {
                // The core is not reachable yet: the link may be flapping. Try again shortly.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _metrics.LinkResume("timed_out");
                return false;
            }

            try
            {
                await Task.Delay(delay, _time, budget.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _metrics.LinkResume("timed_out");
                return false;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    private static bool IsRefused(Exception exception) =>
        exception is HttpRequestException { InnerException: System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused } }
        or System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused };

    private static bool IsLinkFailure(Exception exception) =>
        exception is IOException or HttpRequestException or HttpIOException or System.Net.Sockets.SocketException;

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The relay reads event streams asynchronously only.");

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _deadline.Dispose();
            _inner.Dispose();
            if (_countsAsClientStream)
            {
                _metrics.StreamClosed();
            }
        }

        base.Dispose(disposing);
    }

    private void OnDrainDeadline()
    {
        lock (_gate)
        {
            if (_ended || _drainRequested)
            {
                return;
            }

            _drainRequested = true;
            if (_scanner.AtBoundary)
            {
                // Possibly a read is waiting on a silent core: abort it so the next read closes now.
                AbortUpstream();
            }
        }
    }

    private void BeginDrainingEvent()
    {
        if (_injected < 0)
        {
            _metrics.StreamDrained();
            BeginClosingEvent(DrainingEvent.Bytes, midEvent: false);
        }
    }

    /// <summary>
    /// Ends the stream with <paramref name="closing"/>. Mid-event (a link lost inside an event), a
    /// blank line ends the partial event first, so the closing event is read as an event of its own.
    /// </summary>
    private void BeginClosingEvent(ReadOnlySpan<byte> closing, bool midEvent)
    {
        if (_injected >= 0)
        {
            return;
        }

        _closing = midEvent ? [.. "\n\n"u8, .. closing] : closing.ToArray();
        _injected = 0;
        AbortUpstream();
    }

    private void AbortUpstream()
    {
        if (!_upstreamAborted)
        {
            Volatile.Write(ref _upstreamAborted, true);

            // Disposing the response stream resets the HTTP/2 stream (or closes the HTTP/1.1
            // connection): the core sees the client gone and settles what it produced.
            _inner.Dispose();
        }
    }

    private int CopyClosingEvent(Span<byte> destination)
    {
        var remaining = _closing.AsSpan(_injected);
        var count = Math.Min(remaining.Length, destination.Length);
        remaining[..count].CopyTo(destination);
        _injected += count;
        if (_injected == _closing!.Length)
        {
            _ended = true;
        }

        return count;
    }
}
