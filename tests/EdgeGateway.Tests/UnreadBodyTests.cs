using AiCdn.EdgeGateway.Forwarding;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>A failed-over request may only go to the next core when the first one took nothing from the body.</summary>
public sealed class UnreadBodyTests
{
    [Fact]
    public async Task Started_OnlyOnceBytesWereTaken()
    {
        var body = new UnreadBody(new MemoryStream([1, 2, 3]));
        Assert.False(body.Started);

        Assert.Equal(0, await body.ReadAsync(Memory<byte>.Empty, CancellationToken.None));
        Assert.False(body.Started);

        var buffer = new byte[2];
        Assert.Equal(2, await body.ReadAsync(buffer, CancellationToken.None));
        Assert.True(body.Started);
    }

    [Fact]
    public void EmptyBody_NeverStarts()
    {
        var body = new UnreadBody(new MemoryStream());
        Assert.Equal(0, body.Read(new byte[8], 0, 8));
        Assert.False(body.Started);
        Assert.False(body.CanSeek);
    }
}
