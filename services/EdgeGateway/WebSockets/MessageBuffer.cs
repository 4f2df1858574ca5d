using System.Buffers;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// The bytes of one chat-socket message as they arrive: rented from the shared pool, doubled when
/// full up to the body limit (one byte past it, so an overlong message is noticed), and back to the
/// initial size once a message is handled. A socket that once sent a 4 MiB message would otherwise
/// keep an 8 MiB array for as long as it stays open, and one address may hold hundreds of sockets.
/// </summary>
public sealed class MessageBuffer(int initialSize, long limit) : IDisposable
{
    private byte[]? _array = ArrayPool<byte>.Shared.Rent(initialSize);

    /// <summary>Bytes of the current message received so far.</summary>
    public int Filled { get; private set; }

    /// <summary>The size of the array held now.</summary>
    public int Capacity => Array.Length;

    /// <summary>The received bytes of the current message.</summary>
    public ReadOnlySpan<byte> Message => Array.AsSpan(0, Filled);

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(MessageBuffer));

    /// <summary>Where the next bytes go, grown first when the array is full.</summary>
    public Memory<byte> Free()
    {
        if (Filled == Array.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)Array.Length * 2, limit + 1));
            Message.CopyTo(larger);
            ArrayPool<byte>.Shared.Return(Array);
            _array = larger;
        }

        return Array.AsMemory(Filled);
    }

    public void Advance(int count) => Filled += count;

    /// <summary>Starts the next message, giving back an array grown for this one.</summary>
    public void Clear()
    {
        Filled = 0;
        if (Array.Length > initialSize)
        {
            ArrayPool<byte>.Shared.Return(Array);
            _array = ArrayPool<byte>.Shared.Rent(initialSize);
        }
    }

    public void Dispose()
    {
        if (_array is { } array)
        {
            _array = null;
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
