using AiCdn.EdgeGateway.Forwarding;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>A request sent to a core that was lost goes to the next core byte for byte, when the edge kept what was read.</summary>
public sealed class ReplayableBodyTests
{
    [Fact]
    public async Task Started_OnlyOnceBytesWereTaken()
    {
        var body = new ReplayableBody(new MemoryStream([1, 2, 3]), limit: 16, length: 3);
        Assert.False(body.Started);

        Assert.Equal(0, await body.ReadAsync(Memory<byte>.Empty, CancellationToken.None));
        Assert.False(body.Started);

        var buffer = new byte[2];
        Assert.Equal(2, await body.ReadAsync(buffer, CancellationToken.None));
        Assert.True(body.Started);
        Assert.True(body.CanReplay);
    }

    [Fact]
    public async Task Rewound_SendsWhatWasReadThenTheRest()
    {
        var content = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var body = new ReplayableBody(new MemoryStream(content), limit: 1000, length: null);

        // The first core read 30 bytes, in pieces, and was lost.
        var first = new byte[10];
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(10, await body.ReadAsync(first, CancellationToken.None));
        }

        body.Rewind();
        Assert.Equal(content, await ReadAllAsync(body, chunk: 7));

        // And again, after the whole body was read.
        body.Rewind();
        Assert.Equal(content, await ReadAllAsync(body, chunk: 64));
    }

    [Fact]
    public async Task LargerThanTheLimit_CannotBeReplayedOnceRead()
    {
        var body = new ReplayableBody(new MemoryStream(new byte[100]), limit: 50, length: null);
        Assert.True(body.CanReplay);

        await ReadAllAsync(body, chunk: 40);
        Assert.False(body.CanReplay);
        Assert.Throws<InvalidOperationException>(body.Rewind);
    }

    [Fact]
    public async Task DeclaredLargerThanTheLimit_KeepsNothing()
    {
        var body = new ReplayableBody(new MemoryStream(new byte[100]), limit: 50, length: 100);
        Assert.Equal(10, await body.ReadAsync(new byte[10], CancellationToken.None));
        Assert.False(body.CanReplay);
    }

    [Fact]
    public async Task Committed_KeepsNothingMore()
    {
        var body = new ReplayableBody(new MemoryStream(new byte[20]), limit: 50, length: 20);
        Assert.Equal(10, await body.ReadAsync(new byte[10], CancellationToken.None));
        body.Commit();
        Assert.False(body.CanReplay);
        Assert.Equal(10, await body.ReadAsync(new byte[10], CancellationToken.None));
    }

    [Fact]
    public async Task CommittedWhileSentAgain_TheAttemptStillGetsTheWholeBody()
    {
        var content = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var body = new ReplayableBody(new MemoryStream(content), limit: 1000, length: 64);
        Assert.Equal(content, await ReadAllAsync(body, chunk: 64));
        body.Rewind();

        // The next core answers before it has read all the body sent again.
        var first = new byte[10];
        Assert.Equal(10, await body.ReadAsync(first, CancellationToken.None));
        body.Commit();

        Assert.Equal(content[10..], await ReadAllAsync(body, chunk: 7));
        Assert.False(body.CanReplay);
    }

    [Fact]
    public void EmptyBody_NeverStarts()
    {
        var body = new ReplayableBody(new MemoryStream(), limit: 16, length: 0);
        Assert.Equal(0, body.Read(new byte[8], 0, 8));
        Assert.False(body.Started);
        Assert.True(body.CanReplay);
        Assert.False(body.CanSeek);
    }

    private static async Task<byte[]> ReadAllAsync(Stream body, int chunk)
    {
        var all = new List<byte>();
        var buffer = new byte[chunk];
        int read;
        while ((read = await body.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read));
        }

        return [.. all];
    }
}
