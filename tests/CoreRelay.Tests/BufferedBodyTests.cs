using AiCdn.CoreRelay.Admission;
using Microsoft.AspNetCore.Http;

namespace AiCdn.CoreRelay.Tests;

public sealed class BufferedBodyTests
{
    private const int Limit = 4 * 1024 * 1024;

    /// <summary>
    /// The buffer grows with the bytes that arrive, never to what Content-Length claims: the body
    /// is read before the key is checked, so a stranger declaring 4 MiB and sending a trickle
    /// (240 B/s keeps the edge's minimum rate) held 4 MiB or more of the core's memory per request
    /// for hours.
    /// </summary>
    [Fact]
    public async Task ReadAsync_LargeDeclaredLength_BufferFollowsTheBytesReceived()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentLength = Limit;
        context.Request.Body = new MemoryStream(new byte[100]);

        using var body = await BufferedBody.ReadAsync(context.Request, Limit, CancellationToken.None);

        Assert.NotNull(body);
        Assert.Equal(100, body.Length);
        Assert.True(body.Capacity <= 64 * 1024, $"100 bytes received into a buffer of {body.Capacity} bytes");
    }

    [Fact]
    public async Task ReadAsync_BodyUpToTheLimit_ReadWhole_OverTheLimit_Null()
    {
        var bytes = Enumerable.Range(0, Limit).Select(i => (byte)i).ToArray();
        var whole = new DefaultHttpContext();
        whole.Request.ContentLength = Limit;
        whole.Request.Body = new MemoryStream(bytes);
        var over = new DefaultHttpContext();
        over.Request.Body = new MemoryStream(new byte[Limit + 1]);

        using var body = await BufferedBody.ReadAsync(whole.Request, Limit, CancellationToken.None);
        var refused = await BufferedBody.ReadAsync(over.Request, Limit, CancellationToken.None);

        Assert.NotNull(body);
        Assert.True(body.Span.SequenceEqual(bytes));
        Assert.Null(refused);
    }
}
