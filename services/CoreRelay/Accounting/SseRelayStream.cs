using System.Buffers;
using System.Text.Json;
using AiCdn.Common;
using AiCdn.Common.Errors;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// The read side of an origin's SSE response, as YARP copies it to the client. It hands YARP whole
/// events only, the moment each one is complete (never holding the stream, never splitting an event),
/// accounts every event, drops the usage chunk the core asked for on the client's behalf, and turns
/// an origin that dies, stalls or ends without finishing into a final OpenAI-style SSE error event
/// (and no <c>[DONE]</c>), so no client mistakes a truncated answer for a complete one.
/// Buffers are pooled and returned whenever the stream is idle, so a held-open stream costs little.
/// </summary>
public sealed class SseRelayStream : Stream
{
    /// <summary>An event larger than this is passed through without inspection.</summary>
    public const int MaxEventBytes = 1024 * 1024;

    private const int ReadSize = 16 * 1024;

    private readonly Stream _upstream;
    private readonly RelayAccounting _accounting;
    private readonly SseEventInspector _inspector;
    private readonly bool _dropUsageOnlyChunk;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _idle;
    private CancellationTokenSource? _linked;
    private CancellationToken _linkedFor;

    private byte[]? _pending;
    private int _pendingCount;
    private byte[]? _out;
    private int _outStart;
    private int _outCount;
    private SseFramer _framer;
    private bool _passthrough;
    private bool _ended;

    public SseRelayStream(Stream upstream, RelayAccounting accounting, SseEventInspector inspector, bool dropUsageOnlyChunk, TimeSpan idleTimeout, TimeProvider time)
    {
        _upstream = upstream;
        _accounting = accounting;
        _inspector = inspector;
        _dropUsageOnlyChunk = dropUsageOnlyChunk;
        _idleTimeout = idleTimeout;
        _time = time;
        _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        accounting.IsEventStream = true;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_outCount > 0)
        {
            return CopyOut(destination.Span);
        }

        if (_ended)
        {
            return 0;
        }

        var token = ReadToken(cancellationToken);
        if (destination.IsEmpty)
        {
            // YARP's zero-byte read: wait for data without holding a buffer. A failure found here
            // is queued as the error event the next real read returns.
            if (_pendingCount == 0)
            {
                try
                {
                    _idle.CancelAfter(_idleTimeout);
                    _ = await _upstream.ReadAsync(Memory<byte>.Empty, token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _idle.IsCancellationRequested)
                {
                    Fail("upstream_idle_timeout", $"The origin sent nothing for {_idleTimeout.TotalSeconds:0} s; the stream was ended.");
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or HttpIOException)
                {
                    Fail("upstream_aborted", "The origin closed the connection before the completion finished.");
                }
            }

            return 0;
        }

        while (true)
        {
            _pending ??= ArrayPool<byte>.Shared.Rent(ReadSize);
            if (_pending.Length - _pendingCount < ReadSize / 4)
            {
                Grow();
            }

            int read;
            try
            {
                _idle.CancelAfter(_idleTimeout);
                read = await _upstream.ReadAsync(_pending.AsMemory(_pendingCount), token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _idle.IsCancellationRequested)
            {
                Fail("upstream_idle_timeout", $"The origin sent nothing for {_idleTimeout.TotalSeconds:0} s; the stream was ended.");
                return CopyOut(destination.Span);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or HttpIOException)
            {
                Fail("upstream_aborted", "The origin closed the connection before the completion finished.");
                return CopyOut(destination.Span);
            }

            if (read == 0)
            {
                EndOfUpstream();
                return CopyOut(destination.Span);
            }

            _pendingCount += read;
            FrameEvents();
            if (_outCount > 0)
            {
                return CopyOut(destination.Span);
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private CancellationToken ReadToken(CancellationToken caller)
    {
        if (!caller.CanBeCanceled)
        {
            return _idle.Token;
        }

        // YARP passes the same token on every read: link it with the idle timer once.
        if (_linked is null || _linkedFor != caller)
        {
            _linked?.Dispose();
            _linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _idle.Token);
            _linkedFor = caller;
        }

        return _linked.Token;
    }

    private void FrameEvents()
    {
        var consumed = 0;
        while (consumed < _pendingCount)
        {
            var remaining = _pending.AsSpan(consumed, _pendingCount - consumed);
            if (_passthrough)
            {
                Emit(remaining);
                consumed = _pendingCount;
                break;
            }

            var length = _framer.FindEventEnd(remaining);
            if (length < 0)
            {
                if (remaining.Length >= MaxEventBytes)
                {
                    // Not SSE as we know it: stop inspecting and relay the bytes as they come.
                    _passthrough = true;
                    continue;
                }

                break;
            }

            var eventBytes = remaining[..length];
            if (Account(eventBytes))
            {
                Emit(eventBytes);
            }

            consumed += length;
        }

        if (consumed > 0)
        {
            _framer.Reset();
            _pending.AsSpan(consumed, _pendingCount - consumed).CopyTo(_pending);
            _pendingCount -= consumed;
        }

        ReturnIdleBuffers();
    }

    /// <summary>Accounts one event; false when it must not reach the client.</summary>
    private bool Account(ReadOnlySpan<byte> eventBytes)
    {
        if (_accounting.DoneSeen)
        {
            return true;
        }

        var info = _inspector.Inspect(eventBytes);
        if (info.Usage is { } usage)
        {
            _accounting.OriginUsage = usage;
        }

        if (info.HasContent)
        {
            _accounting.RelayedCompletionTokens += info.ContentTokens;
            if (_accounting.FirstContentTimestamp == 0)
            {
                _accounting.FirstContentTimestamp = _time.GetTimestamp();
            }
        }

        switch (info.Kind)
        {
            case SseEventKind.Done:
                _accounting.DoneSeen = true;
                return true;
            case SseEventKind.Error:
                _accounting.OriginErrorEvent = true;
                return true;
            case SseEventKind.UsageOnly:
                return !_dropUsageOnlyChunk;
            default:
                return true;
        }
    }

    private void EndOfUpstream()
    {
        _ended = true;
        if (_pendingCount > 0 && !_passthrough)
        {
            // A final event without its blank line: complete it if it is whole, per the SSE spec
            // an unterminated event is dropped, so give it its terminator only when it parses.
            var length = _framer.FindEventEnd(_pending.AsSpan(0, _pendingCount), endOfStream: true);
            if (length > 0 && Account(_pending.AsSpan(0, length)))
            {
                Emit(_pending.AsSpan(0, length));
            }

            _pendingCount = 0;
        }

        var finished = _accounting.DoneSeen || _accounting.OriginErrorEvent || _accounting.OriginUsage is not null || _passthrough;
        if (!finished)
        {
            FailCore("upstream_incomplete", "The origin ended the stream before the completion finished.");
        }

        ReturnIdleBuffers();
    }

    private void Fail(string code, string message)
    {
        _ended = true;

        // Never send half an event: what has not been framed is dropped.
        _pendingCount = 0;
        if (_accounting.DoneSeen)
        {
            return;
        }

        FailCore(code, message);
    }

    private void FailCore(string code, string message)
    {
        _accounting.RelayFailure = code;
        var error = new OpenAiErrorEnvelope(new OpenAiError(message, OpenAiErrorTypes.Upstream, null, code));
        var json = JsonSerializer.SerializeToUtf8Bytes(error, CommonJsonContext.Default.OpenAiErrorEnvelope);
        // OpenAI reports mid-stream failures as a data event holding an error object, without [DONE].
        Emit("data: "u8);
        Emit(json);
        Emit("\n\n"u8);
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        if (_out is null)
        {
            _out = ArrayPool<byte>.Shared.Rent(Math.Max(ReadSize, bytes.Length));
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
        ReturnIdleBuffers();
        return count;
    }

    private void Grow()
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_pending!.Length * 2, MaxEventBytes + ReadSize));
        _pending.AsSpan(0, _pendingCount).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_pending);
        _pending = larger;
    }

    /// <summary>An idle stream holds no buffers; a held-open stream waiting for its next token costs only this object.</summary>
    private void ReturnIdleBuffers()
    {
        if (_outCount == 0 && _out is not null)
        {
            ArrayPool<byte>.Shared.Return(_out);
            _out = null;
            _outStart = 0;
        }

        if (_pendingCount == 0 && _pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = null;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _upstream.Dispose();
            _linked?.Dispose();
            _idle.Dispose();
            _outCount = 0;
            _pendingCount = 0;
            ReturnIdleBuffers();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
