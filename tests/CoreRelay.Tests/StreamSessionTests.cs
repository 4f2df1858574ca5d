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
