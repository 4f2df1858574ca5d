using AiCdn.Common.Errors;
using AiCdn.Common.Streams;
using AiCdn.CoreRelay.Accounting;

namespace AiCdn.CoreRelay.Resumable;

/// <summary>
/// One resumable stream: the core reads the origin once, stamps every event with
/// <c>id: &lt;stream id&gt;.&lt;sequence&gt;.&lt;usage so far&gt;</c> (<see cref="StreamId"/>), keeps the events in a bounded replay buffer, and serves
/// them to whoever reads — the original response, or a resume after a lost link. When the last
/// reader leaves, the origin is still consumed for the grace period (so a resume finds the rest);
/// after that it is cancelled and the quota settled for what it produced. Memory: delivered events
/// are dropped past the per-stream and global caps; undelivered ones hold the origin back
/// (backpressure) rather than grow without bound.
/// </summary>
public sealed class StreamSession : ISseEventSink
{
    /// <summary>What the reader a resume took the stream from gets last: why its stream ends here.</summary>
    private static readonly byte[] ResumedElsewhereEvent = SseEventReader.ErrorEvent(
        "stream_resumed_elsewhere", "This stream was resumed on another connection, which receives the rest of it.", OpenAiErrorTypes.InvalidRequest);

    private readonly object _gate = new();
    private readonly List<byte[]> _events = [];
    private readonly List<SessionReaderStream> _readers = [];
    private readonly ReplayBudget _budget;
    private readonly ResumableOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _pumpCancel = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _consumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _firstSeq = 1;
    private long _lastSeq;
    private long _bytes;
    private bool _ended;
    private bool _forgotten;
    private ITimer? _graceTimer;

    public StreamSession(string id, string ownerKeyHash, RelayAccounting accounting, ReplayBudget budget, ResumableOptions options, TimeProvider time)
    {
        Id = id;
        OwnerKeyHash = ownerKeyHash;
        Accounting = accounting;
        _budget = budget;
        _options = options;
        _time = time;
    }

    public string Id { get; }

    public string OwnerKeyHash { get; }

    /// <summary>What the stream learns from the origin, for settling it.</summary>
    public RelayAccounting Accounting { get; }

    /// <summary>The origin was cancelled because nobody came back within the grace period (or the core stopped).</summary>
    public bool Abandoned { get; private set; }

    /// <summary>Completes when the origin's stream is over and nothing more will be appended.</summary>
    public Task Completion => _completion.Task;

    public bool Ended
    {
        get
        {
            lock (_gate)
            {
                return _ended;
            }
        }
    }

    /// <summary>Bytes this stream's replay buffer holds.</summary>
    public long BufferedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Starts consuming the origin through <paramref name="reader"/>; <paramref name="origin"/> is released when done.</summary>
    public void Start(SseEventReader reader, IDisposable origin) => _ = PumpAsync(reader, origin);

    /// <summary>Whether event <paramref name="seq"/> was sent (ids only grow, so a later check agrees).</summary>
    public bool HasSent(long seq)
    {
        lock (_gate)
        {
            return seq <= _lastSeq;
        }
    }

    /// <summary>
    /// A reader of the events after <paramref name="afterSeq"/>; null when they are no longer
    /// buffered. It takes the stream over: the readers before it end (their clients get the end of
    /// the stream), so one stream is delivered to one connection however often it is resumed, and
    /// a reader whose client stopped reading no longer holds the replay buffer and the origin.
    /// </summary>
    public SessionReaderStream? Subscribe(long afterSeq)
    {
        lock (_gate)
        {
            if (afterSeq + 1 < _firstSeq || afterSeq > _lastSeq)
            {
                return null;
            }

            var reader = new SessionReaderStream(this, afterSeq + 1);
            var tookOver = _readers.Count > 0;
            foreach (var earlier in _readers)
            {
                // Its client must not see the stream stop in silence, nor in the middle of an event.
                var rest = earlier.Offset > 0 && earlier.Next <= _lastSeq
                    ? _events[(int)(earlier.Next - _firstSeq)].AsSpan(earlier.Offset)
                    : [];
                earlier.Closing = [.. rest, .. ResumedElsewhereEvent];
            }

            _readers.Clear();
            _readers.Add(reader);
            if (tookOver)
            {
                // Wake the earlier readers to end, and let go of what only they held.
                Signal(ref _changed);
                EvictDelivered();
                Signal(ref _consumed);
            }

            _graceTimer?.Dispose();
            _graceTimer = null;
            return reader;
        }
    }

    internal void Unsubscribe(SessionReaderStream reader)
    {
        lock (_gate)
        {
            if (!_readers.Remove(reader))
            {
                return;
            }

            if (_readers.Count == 0 && _forgotten)
            {
                FreeBuffer();
                return;
            }

            if (_readers.Count == 0 && !_ended)
            {
                // Nobody reads: keep consuming the origin for the grace period, then give up on it.
                _graceTimer?.Dispose();
                _graceTimer = _time.CreateTimer(static state => ((StreamSession)state!).GraceExpired(), this, _options.GracePeriod, Timeout.InfiniteTimeSpan);
            }

            EvictDelivered();
            Signal(ref _consumed);
        }
    }

    /// <summary>
    /// Copies whole events from <paramref name="next"/> on (and the rest of a partly copied one) into
    /// <paramref name="destination"/>; advances the reader. Returns bytes copied; <paramref name="ended"/>
    /// when nothing more will come.
    /// </summary>
    internal int Read(SessionReaderStream reader, Span<byte> destination, out bool ended)
    {
        lock (_gate)
        {
            if (reader.Closing is { } closing)
            {
                var count = Math.Min(closing.Length - reader.ClosingOffset, destination.Length);
                closing.AsSpan(reader.ClosingOffset, count).CopyTo(destination);
                reader.ClosingOffset += count;
                ended = reader.ClosingOffset == closing.Length;
                return count;
            }

            var copied = 0;
            while (reader.Next <= _lastSeq && copied < destination.Length)
            {
                var index = (int)(reader.Next - _firstSeq);
                if (index < 0)
                {
                    // Evicted under it: cannot happen for a registered reader, which holds eviction back.
                    throw new InvalidOperationException("A stream reader fell behind the replay buffer.");
                }

                var item = _events[index];
                var count = Math.Min(item.Length - reader.Offset, destination.Length - copied);
                item.AsSpan(reader.Offset, count).CopyTo(destination[copied..]);
                copied += count;
                reader.Offset += count;
                if (reader.Offset == item.Length)
                {
                    reader.Offset = 0;
                    reader.Next++;
                }
            }

            ended = _ended && reader.Next > _lastSeq;
            if (copied > 0)
            {
                EvictDelivered();
                Signal(ref _consumed);
            }

            return copied;
        }
    }

    /// <summary>Waits for an event <paramref name="reader"/> has not had, the end, or another reader taking over.</summary>
    internal Task WaitAsync(SessionReaderStream reader, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            if (reader.Next <= _lastSeq || _ended || reader.Superseded)
            {
                return Task.CompletedTask;
            }

            changed = _changed.Task;
        }

        return changed.WaitAsync(cancellationToken);
    }

    void ISseEventSink.OnEvent(ReadOnlySpan<byte> bytes, bool isEvent)
    {
        lock (_gate)
        {
            var sequence = _lastSeq + 1;
            var stamped = isEvent ? Stamp(bytes, sequence) : bytes.ToArray();
            _events.Add(stamped);
            _lastSeq = sequence;
            _bytes += stamped.Length;
            _budget.Add(stamped.Length);
            EvictDelivered();
            Signal(ref _changed);
        }
    }

    /// <summary>Our <c>id:</c> line, with the usage so far: an edge that loses this core reports it for settling.</summary>
    private byte[] Stamp(ReadOnlySpan<byte> bytes, long sequence)
    {
        var usage = Accounting.UsageSoFar;
        return StreamId.StampEvent(bytes, Id, sequence, usage.PromptTokens, usage.CompletionTokens);
    }

    private async Task PumpAsync(SseEventReader reader, IDisposable origin)
    {
        var accounting = Accounting;
        try
        {
            while (true)
            {
                // A held stream is idle most of its life: wait for the origin's next bytes without
                // holding a read buffer (a zero-byte read), as the non-resumable relay does.
                await reader.WaitForDataAsync(_pumpCancel.Token);
                if (!await reader.ReadAsync(_pumpCancel.Token))
                {
                    break;
                }

                await WaitForRoomAsync(_pumpCancel.Token);
            }
        }
        catch (OperationCanceledException) when (_pumpCancel.IsCancellationRequested)
        {
            // Nobody came back within the grace period, or the core is shutting down.
            reader.Abandon();
            Abandoned = true;
            accounting.RelayFailure ??= "abandoned";
        }
        catch (Exception)
        {
            reader.Abandon();
            accounting.RelayFailure ??= "relay_error";
        }
        finally
        {
            await reader.DisposeAsync();
            origin.Dispose();
            lock (_gate)
            {
                _ended = true;
                _graceTimer?.Dispose();
                _graceTimer = null;
                Signal(ref _changed);
            }

            _completion.TrySetResult();
        }
    }

    /// <summary>Backpressure: while undelivered events fill the per-stream cap, the origin waits for the readers.</summary>
    private async Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task consumed;
            lock (_gate)
            {
                if (_bytes <= _options.MaxBytesPerStream || _readers.Count == 0)
                {
                    return;
                }

                consumed = _consumed.Task;
            }

            await consumed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Drops the oldest events every reader has had, while the stream or all streams are over their caps.</summary>
    private void EvictDelivered()
    {
        var delivered = _lastSeq;
        foreach (var reader in _readers)
        {
            delivered = Math.Min(delivered, reader.Next - 1);
        }

        var evict = 0;
        var freed = 0L;
        while (evict < _events.Count && _firstSeq + evict <= delivered
            && (_bytes - freed > _options.MaxBytesPerStream || _budget.Used - freed > _budget.Limit))
        {
            freed += _events[evict].Length;
            evict++;
        }

        if (evict > 0)
        {
            _events.RemoveRange(0, evict);
            _firstSeq += evict;
            _bytes -= freed;
            _budget.Add(-freed);
        }
    }

    /// <summary>Frees the whole buffer when the stream is forgotten (after its last reader, if one is still reading).</summary>
    internal void Release()
    {
        lock (_gate)
        {
            _forgotten = true;
            if (_readers.Count == 0)
            {
                FreeBuffer();
            }
        }
    }

    private void FreeBuffer()
    {
        _budget.Add(-_bytes);
        _bytes = 0;
        _firstSeq += _events.Count;
        _events.Clear();
    }

    /// <summary>Stops consuming the origin now (shutdown).</summary>
    internal void Cancel() => _pumpCancel.Cancel();

    private void GraceExpired()
    {
        lock (_gate)
        {
            if (_readers.Count > 0 || _ended)
            {
                return;
            }
        }

        _pumpCancel.Cancel();
    }

    private static void Signal(ref TaskCompletionSource source)
    {
        var previous = source;
        source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
