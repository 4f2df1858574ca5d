using System.Buffers;

namespace AiCdn.CoreRelay.Admission;

/// <summary>A request body read into pooled memory, once, up to a size limit; returned to the pool on dispose.</summary>
public sealed class BufferedBody : IDisposable
{
    private const int InitialCapacityCap = 64 * 1024;

    private byte[]? _buffer;

    private BufferedBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary>The size of the buffer holding the body (tests).</summary>
    internal int Capacity => _buffer?.Length ?? 0;

    public Stream AsStream() => new MemoryStream(_buffer!, 0, Length, writable: false);

    /// <summary>Reads the whole body; null when it is longer than <paramref name="limit"/> bytes.</summary>
    public static async Task<BufferedBody?> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        // Content-Length sizes the first buffer only up to 64 KiB: the body is read before the key
        // is checked, and a declared length costs the client nothing until it sends the bytes.
        var capacity = (int)Math.Min(Math.Min(limit + 1, InitialCapacityCap), request.ContentLength is { } length ? length + 1 : 16 * 1024);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return null;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(total), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return new BufferedBody(buffer, total);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
