using System.Buffers;
using System.Text.Json;
using AiCdn.Common;
using AiCdn.Common.Errors;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// Reads an origin's SSE response and hands a sink whole events only, the moment each one is complete
/// (never holding the stream, never splitting an event). It accounts every event, drops the usage
/// chunk the core asked for on the client's behalf, and turns an origin that dies, stalls or ends
/// without finishing into a final OpenAI-style error event (and no <c>[DONE]</c>), so no client
/// mistakes a truncated answer for a complete one. Its read buffer is pooled and returned whenever
/// the stream is idle, so a held-open stream costs little.
/// </summary>
public sealed class SseEventReader : IAsyncDisposable
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
    private readonly ISseEventSink _sink;
    private readonly CancellationTokenSource _idle;
    private CancellationTokenSource? _linked;
    private CancellationToken _linkedFor;

    /// <summary>The code of the error event that ends a stream whose key's token limits had no room for more of it.</summary>
    public const string QuotaExhausted = "quota_exhausted";

    /// <summary>Content tokens of the next event, held because the budget does not cover them (0: none held).</summary>
    private int _budgetShortfall;

    private byte[]? _pending;
    private int _pendingCount;
    private SseFramer _framer;
    private bool _passthrough;

    public SseEventReader(Stream upstream, RelayAccounting accounting, SseEventInspector inspector, bool dropUsageOnlyChunk, TimeSpan idleTimeout, TimeProvider time, ISseEventSink sink)
    {
        _upstream = upstream;
        _accounting = accounting;
        _inspector = inspector;
        _dropUsageOnlyChunk = dropUsageOnlyChunk;
        _idleTimeout = idleTimeout;
        _time = time;
        _sink = sink;
        _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        accounting.IsEventStream = true;
    }

    /// <summary>The origin's stream is over (finished, failed or cut); any final error event has been emitted.</summary>
    public bool Ended { get; private set; }

    /// <summary>
    /// Reads once from the origin (waiting for data), emitting every event that became complete.
    /// Returns false once the stream has ended. Throws <see cref="OperationCanceledException"/>
    /// only when <paramref name="cancellationToken"/> (the caller's) is cancelled.
    /// </summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (Ended)
        {
            return false;
        }

        if (_budgetShortfall > 0)
        {
            // The next event holds content the reservation does not cover: ask for more before it goes out.
            var more = _budgetShortfall;
            _budgetShortfall = 0;
            if (!await _accounting.Budget!.ExtendAsync(_accounting.RelayedCompletionTokens, more, cancellationToken))
            {
                Fail(QuotaExhausted, "The key's token limit has no room for more of this completion; the stream was ended.", OpenAiErrorTypes.RateLimit);
                return false;
            }

            FrameEvents();
            return true;
        }

        var token = ReadToken(cancellationToken);
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
            return false;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or HttpIOException)
        {
            Fail("upstream_aborted", "The origin closed the connection before the completion finished.");
            return false;
        }

        if (read == 0)
        {
            EndOfUpstream();
            return false;
        }

        _pendingCount += read;
        FrameEvents();
        return true;
    }

    /// <summary>Waits until the origin has data (or fails) without holding a buffer: YARP's zero-byte read.</summary>
    public async ValueTask WaitForDataAsync(CancellationToken cancellationToken)
    {
        if (Ended || _pendingCount > 0)
        {
            return;
        }

        try
        {
            _idle.CancelAfter(_idleTimeout);
            _ = await _upstream.ReadAsync(Memory<byte>.Empty, ReadToken(cancellationToken));
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

    /// <summary>Stops reading the origin (its consumer is gone for good): nothing more is emitted.</summary>
    public void Abandon()
    {
        Ended = true;
        _pendingCount = 0;
        ReturnIdleBuffer();
    }

    private CancellationToken ReadToken(CancellationToken caller)
    {
        if (!caller.CanBeCanceled)
        {
            return _idle.Token;
        }

        // Callers pass the same token on every read: link it with the idle timer once.
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
                _sink.OnEvent(remaining, isEvent: false);
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
            var info = _accounting.DoneSeen ? default : _inspector.Inspect(eventBytes);
            if (info.HasContent && _accounting.Budget is { } budget && !budget.Covers(_accounting.RelayedCompletionTokens, info.ContentTokens))
            {
                // Held (with all after it) until the budget grows: see ReadAsync.
                _budgetShortfall = Math.Max(1, info.ContentTokens);
                break;
            }

            if (_accounting.DoneSeen || Account(info))
            {
                _sink.OnEvent(eventBytes, isEvent: true);
            }

            consumed += length;
        }

        if (consumed > 0)
        {
            _framer.Reset();
            _pending.AsSpan(consumed, _pendingCount - consumed).CopyTo(_pending);
            _pendingCount -= consumed;
        }

        ReturnIdleBuffer();
    }

    /// <summary>Accounts one event; false when it must not reach the client.</summary>
    private bool Account(ReadOnlySpan<byte> eventBytes) => _accounting.DoneSeen || Account(_inspector.Inspect(eventBytes));

    private bool Account(SseEventInfo info)
    {
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
        Ended = true;
        if (_pendingCount > 0 && !_passthrough)
        {
            // A final event without its blank line: per the SSE spec an unterminated event is
            // dropped, unless it is whole but for the terminator.
            var length = _framer.FindEventEnd(_pending.AsSpan(0, _pendingCount), endOfStream: true);
            if (length > 0 && Account(_pending.AsSpan(0, length)))
            {
                _sink.OnEvent(_pending.AsSpan(0, length), isEvent: true);
            }

            _pendingCount = 0;
        }

        var finished = _accounting.DoneSeen || _accounting.OriginErrorEvent || _accounting.OriginUsage is not null || _passthrough;
        if (!finished)
        {
            EmitError("upstream_incomplete", "The origin ended the stream before the completion finished.");
        }

        ReturnIdleBuffer();
    }

    private void Fail(string code, string message, string type = OpenAiErrorTypes.Upstream)
    {
        Ended = true;

        // Never send half an event: what has not been framed is dropped.
        _pendingCount = 0;
        ReturnIdleBuffer();
        if (!_accounting.DoneSeen)
        {
            EmitError(code, message, type);
        }
    }

    private void EmitError(string code, string message, string type = OpenAiErrorTypes.Upstream)
    {
        _accounting.RelayFailure = code;
        _sink.OnEvent(ErrorEvent(code, message, type), isEvent: true);
    }

    /// <summary>
    /// OpenAI reports mid-stream failures as a data event holding an error object, without [DONE].
    /// </summary>
    public static byte[] ErrorEvent(string code, string message, string type = OpenAiErrorTypes.Upstream)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new OpenAiErrorEnvelope(new OpenAiError(message, type, null, code)), CommonJsonContext.Default.OpenAiErrorEnvelope);
        return [.. "data: "u8, .. json, .. "\n\n"u8];
    }

    private void Grow()
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_pending!.Length * 2, MaxEventBytes + ReadSize));
        _pending.AsSpan(0, _pendingCount).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_pending);
        _pending = larger;
    }

    private void ReturnIdleBuffer()
    {
        if (_pendingCount == 0 && _pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Ended = true;
        await _upstream.DisposeAsync();
        _linked?.Dispose();
        _idle.Dispose();
        _pendingCount = 0;
        ReturnIdleBuffer();
    }
}
