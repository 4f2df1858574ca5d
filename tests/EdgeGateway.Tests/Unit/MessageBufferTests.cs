using AiCdn.EdgeGateway.WebSockets;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class MessageBufferTests
{
    [Fact]
    public void LargeMessage_GrowsToHoldIt_ThenTheArrayIsGivenBackForTheNextMessage()
    {
        using var buffer = new MessageBuffer(16 * 1024, limit: 4 * 1024 * 1024);
        var initial = buffer.Capacity;

        // One 1 MiB message, arriving as a socket delivers it: into whatever room is free.
        var message = Enumerable.Range(0, 1024 * 1024).Select(i => (byte)i).ToArray();
        var sent = 0;
        while (sent < message.Length)
        {
            var free = buffer.Free();
            var count = Math.Min(free.Length, message.Length - sent);
            message.AsSpan(sent, count).CopyTo(free.Span);
            buffer.Advance(count);
            sent += count;
        }

        Assert.True(buffer.Capacity >= message.Length);
        Assert.True(buffer.Message.SequenceEqual(message));

        buffer.Clear();

        Assert.Equal(0, buffer.Filled);
        Assert.Equal(initial, buffer.Capacity);
    }

    [Fact]
    public void Growth_StopsOneBytePastTheLimit()
    {
        using var buffer = new MessageBuffer(16, limit: 40);
        while (buffer.Filled <= 40)
        {
            var free = buffer.Free();
            Assert.False(free.IsEmpty);
            buffer.Advance(free.Length);
        }

        Assert.True(buffer.Filled > 40);
    }
}
