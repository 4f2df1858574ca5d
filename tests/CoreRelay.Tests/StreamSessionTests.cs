using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using AiCdn.Common.Streams;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Resumable;
using AiCdn.Testing;
using AiCdn.Tokens;

namespace AiCdn.CoreRelay.Tests;

/// <summary>A resumable stream's pump, as the core holds thousands of them between tokens.</summary>
public sealed class StreamSessionTests
{
    private const string Hello = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Hello\"},\"finish_reason\":null}],\"usage\":null}\n\n";

    [Fact]
    public async Task HeldStream_WaitsForTheOriginWithoutHoldingAReadBuffer()
    {
        var upstream = new GatedStream();
        var session = new StreamSession(StreamId.New("n1"), "owner", new RelayAccounting(), new ReplayBudget(1 << 20), new ResumableOptions(), TimeProvider.System);
        session.Start(new SseEventReader(upstream, session.Accounting, new SseEventInspector(TokenCounter.Default), dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System, session), upstream);

        // Silent origin; then one token; then silent again; then the end.
        await Wait.UntilAsync(() => Task.FromResult(upstream.WaitedReads.Count == 1), TimeSpan.FromSeconds(30), "the pump waits for the origin");
        upstream.Send(Hello);
        await Wait.UntilAsync(() => Task.FromResult(upstream.WaitedReads.Count == 2), TimeSpan.FromSeconds(30), "the pump waits for the origin again");
        upstream.End();
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        // Every read that had to wait asked for no bytes: no 16 KiB buffer was rented for the silence.
        Assert.All(upstream.WaitedReads, length => Assert.Equal(0, length));
        Assert.Equal(1, session.Accounting.RelayedCompletionTokens);
    }

    [Fact]
    public async Task ReaderTakenOverInTheMiddleOfAnEvent_FinishesThatEventThenGetsAnErrorEventAndEnds()
    {
        var upstream = new GatedStream();
        var session = new StreamSession(StreamId.New("n1"), "owner", new RelayAccounting(), new ReplayBudget(1 << 20), new ResumableOptions(), TimeProvider.System);
        session.Start(new SseEventReader(upstream, session.Accounting, new SseEventInspector(TokenCounter.Default), dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System, session), upstream);
        var first = session.Subscribe(0)!;
        upstream.Send(Hello);
        await Wait.UntilAsync(() => Task.FromResult(session.HasSent(1)), TimeSpan.FromSeconds(30), "the first event is buffered");

        // The first reader has 10 bytes of event 1 when a resume takes the stream over.
        var start = new byte[10];
        Assert.Equal(10, await first.ReadAsync(start));
        var second = session.Subscribe(0)!;

        var rest = await ReadToEndAsync(first);
        var firstSaw = Encoding.UTF8.GetString([.. start, .. rest]);
        var events = firstSaw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, events.Length);
        Assert.Contains("\" Hello\"", events[0], StringComparison.Ordinal);
        Assert.Contains("\"code\":\"stream_resumed_elsewhere\"", events[1], StringComparison.Ordinal);
        Assert.EndsWith("\n\n", firstSaw, StringComparison.Ordinal);

        // The new reader has the whole stream from the start and goes on with it.
        upstream.Send("data: [DONE]\n\n");
        upstream.End();
        var secondSaw = Encoding.UTF8.GetString(await ReadToEndAsync(second));
        Assert.Contains("\" Hello\"", secondSaw, StringComparison.Ordinal);
        Assert.Contains("data: [DONE]\n", secondSaw, StringComparison.Ordinal);
        Assert.DoesNotContain("stream_resumed_elsewhere", secondSaw, StringComparison.Ordinal);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var all = new MemoryStream();
        var buffer = new byte[7];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return all.ToArray();
    }

    /// <summary>An origin's body that only has what the test sent, recording the size of every read that had to wait for it.</summary>
    private sealed class GatedStream : Stream
    {
        private readonly Channel<byte[]> _chunks = Channel.CreateUnbounded<byte[]>();
        private byte[]? _current;
        private int _offset;

        public ConcurrentQueue<int> WaitedReads { get; } = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Send(string text) => _chunks.Writer.TryWrite(Encoding.UTF8.GetBytes(text));

        public void End() => _chunks.Writer.TryComplete();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_current is null || _offset == _current.Length)
            {
                _current = null;
                if (!_chunks.Reader.TryPeek(out _) && !_chunks.Reader.Completion.IsCompleted)
                {
                    WaitedReads.Enqueue(buffer.Length);
                    if (!await _chunks.Reader.WaitToReadAsync(cancellationToken))
                    {
                        return 0;
                    }
                }

                if (buffer.IsEmpty || !_chunks.Reader.TryRead(out _current))
                {
                    return 0;
                }

                _offset = 0;
            }

            var count = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsSpan(_offset, count).CopyTo(buffer.Span);
            _offset += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
