using System.Buffers;
using System.Text.Json;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// The read side of a non-streamed origin response: passes every read straight through and keeps a
/// bounded copy, from which <c>usage</c> is read when the body ends. Bodies larger than the cap are
/// relayed all the same; their usage then falls back to the estimate.
/// </summary>
public sealed class JsonUsageStream(Stream upstream, RelayAccounting accounting, int capBytes) : Stream
{
    private byte[]? _copy;
    private int _count;
    private bool _overflow;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var read = await upstream.ReadAsync(destination, cancellationToken);
        if (read == 0)
        {
            if (!destination.IsEmpty)
            {
                Complete();
            }

            return 0;
        }

        Keep(destination.Span[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (_overflow)
        {
            return;
        }

        if (_count + bytes.Length > capBytes)
        {
            _overflow = true;
            Release();
            return;
        }

        if (_copy is null || _copy.Length - _count < bytes.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(capBytes, Math.Max(4096, (_count + bytes.Length) * 2)));
            _copy?.AsSpan(0, _count).CopyTo(larger);
            Release();
            _copy = larger;
        }

        bytes.CopyTo(_copy.AsSpan(_count));
        _count += bytes.Length;
    }

    private void Complete()
    {
        if (_copy is not null && !_overflow)
        {
            accounting.OriginUsage = ReadUsage(_copy.AsSpan(0, _count)) ?? accounting.OriginUsage;
        }

        Release();
    }

    /// <summary>The top-level <c>usage</c> of an OpenAI JSON response, if any.</summary>
    public static TokenUsage? ReadUsage(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isUsage = reader.ValueTextEquals("usage"u8);
                reader.Read();
                if (isUsage)
                {
                    return SseEventInspector.ReadUsage(ref reader);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private void Release()
    {
        if (_copy is not null)
        {
            ArrayPool<byte>.Shared.Return(_copy);
            _copy = null;
        }

        if (_overflow)
        {
            _count = 0;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            upstream.Dispose();
            Release();
        }

        base.Dispose(disposing);
    }
}
