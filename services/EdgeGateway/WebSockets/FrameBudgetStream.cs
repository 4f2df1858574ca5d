using System.Buffers;
using System.Buffers.Binary;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// A chat socket's upgraded stream, counting the client's small WebSocket frames (RFC 6455 5.2:
/// any opcode, under <see cref="SmallFrameBytes"/> of payload) as they pass, against a token
/// bucket of <c>Edge:WebSocket:MaxSmallFramesPerSecond</c> with a burst of
/// <c>Edge:WebSocket:SmallFrameBurst</c>. Pings, pongs and empty or one-byte fragments are handled
/// inside <see cref="System.Net.WebSockets.WebSocket"/> (a ping is answered before the caller sees
/// anything), so only the stream can see them; each costs the edge up to about 400 ns however small
/// it is, 13 to 36 times a bulk upload's CPU per byte (docs/perf/websocket-floods.md). Larger
/// frames cost about what their bytes do and are not counted. Only frame headers are read;
/// payloads are skipped by their length.
/// </summary>
/// <remarks>
/// When a frame is over budget, the frames before it are passed on and the next read waits: then
/// <see cref="Exceeded"/> is called, once, to close the socket with 1008 (policy violation), and
/// <see cref="Release"/> ends the wait. The socket sees nothing more, so it answers no frame after
/// its close frame; what the client sends meanwhile is read and dropped (at most
/// <see cref="DrainBytes"/>, then no more is read) until its own close frame, the end of the
/// stream or <see cref="DrainTime"/>, and then the socket sees the end of the stream. Closing the
/// connection at once, with the client's frames unread, would reset it, and the reset can
/// overtake the close frame, so the client would never learn why; reading all a flooding client
/// sends for that time would cost as much as the flood.
/// </remarks>
public sealed class FrameBudgetStream(Stream inner, double framesPerSecond, int burst, TimeProvider time) : Stream
{
    /// <summary>
    /// Frames with less payload than this are counted. At 1 KiB a frame's fixed cost is already
    /// below its bytes' (about 1.7 ns a byte in a bulk upload on the machine measured).
    /// </summary>
    public const int SmallFrameBytes = 1024;

    /// <summary>The longest the client's frames are read and dropped after the socket's close frame, waiting for the client's.</summary>
    public static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most that is read and dropped after the socket's close frame: what a client that stops
    /// sending at the close frame can still have on the way, not what a flood can send in <see cref="DrainTime"/>.
    /// </summary>
    public const int DrainBytes = 64 * 1024;

    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _header = new byte[14];
    private double _tokens = burst;
    private long _refilled = time.GetTimestamp();
    private int _headerFilled;
    private long _payloadLeft;
    private bool _overBudget;
    private bool _reported;
    private bool _clientClosed;

    /// <summary>Called once, when the client has sent more small frames than the budget allows and the socket reads no further.</summary>
    public Action? Exceeded { get; set; }

    /// <summary>Whether the client has exceeded the budget.</summary>
    public bool IsExceeded => _overBudget;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Ends the wait of a socket over its budget: its next read sees the end of the stream, once the client's frames are drained.</summary>
    public void Release() => _released.TrySetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_overBudget)
        {
            if (!_reported)
            {
                _reported = true;
                Exceeded?.Invoke();
            }

            await _released.Task.WaitAsync(cancellationToken);
            await DrainAsync(cancellationToken);
            return 0;
        }

        var read = await inner.ReadAsync(buffer, cancellationToken);
        var passed = Walk(buffer.Span[..read]);

        // Nothing of this read is passed on: it begins with the frame over the budget.
        return passed == 0 && read > 0 ? await ReadAsync(buffer, cancellationToken) : passed;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        return inner.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _released.TrySetResult();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Reads and drops the client's bytes until its close frame, the end of the stream or <see cref="DrainTime"/>.</summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(DrainTime, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var drained = 0L;
            int read;
            while (!_clientClosed && drained < DrainBytes && (read = await inner.ReadAsync(scratch, linked.Token)) > 0)
            {
                drained += read;
                Walk(scratch.AsSpan(0, read));
            }

            if (!_clientClosed && drained >= DrainBytes)
            {
                // Still sending: read no more (its window fills and it waits), and close when the time is up.
                await Task.Delay(Timeout.InfiniteTimeSpan, time, linked.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The client did not close in time: the connection is closed anyway.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Follows the frame headers in <paramref name="data"/>, taking a token for each small frame;
    /// how many of its bytes come before the first frame over the budget (all of them when none
    /// is). Past the budget frames are only followed, to notice the client's close frame.
    /// </summary>
    private int Walk(ReadOnlySpan<byte> data)
    {
        var passed = data.Length;
        var frameStart = 0;
        var at = 0;
        while (at < data.Length)
        {
            if (_payloadLeft > 0)
            {
                var skip = (int)Math.Min(_payloadLeft, data.Length - at);
                _payloadLeft -= skip;
                at += skip;
                continue;
            }

            if (_headerFilled == 0)
            {
                frameStart = at;
            }

            _header[_headerFilled++] = data[at++];
            if (_headerFilled < 2)
            {
                continue;
            }

            var length7 = _header[1] & 0x7F;
            var needed = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + ((_header[1] & 0x80) != 0 ? 4 : 0);
            if (_headerFilled < needed)
            {
                continue;
            }

            _payloadLeft = length7 switch
            {
                126 => (_header[2] << 8) | _header[3],
                127 => (long)(BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2, 8)) & long.MaxValue),
                _ => length7,
            };
            _headerFilled = 0;
            if (_overBudget)
            {
                _clientClosed |= (_header[0] & 0x0F) == 0x8;
            }
            else if (_payloadLeft < SmallFrameBytes && !TakeToken())
            {
                // A header begun in an earlier read has been passed on in part: harmless, the
                // socket reads nothing after it.
                _overBudget = true;
                _clientClosed = (_header[0] & 0x0F) == 0x8;
                passed = frameStart;
            }
        }

        return passed;
    }

    /// <summary>
    /// One frame's token. The bucket is refilled only when empty, from the time since it was last
    /// refilled, up to the burst: no timer, and no clock read for a frame while tokens are left.
    /// </summary>
    private bool TakeToken()
    {
        if (_tokens < 1)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + (time.GetElapsedTime(_refilled, now).TotalSeconds * framesPerSecond));
            _refilled = now;
            if (_tokens < 1)
            {
                return false;
            }
        }

        _tokens--;
        return true;
    }
}
