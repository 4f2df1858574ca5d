using System.Net;

namespace AiCdn.EdgeGateway.Streaming;

/// <summary>The core's response content with its body replaced by an <see cref="CoreEventStream"/>; headers are kept.</summary>
public sealed class SseRelayContent : HttpContent
{
    private readonly HttpContent _original;
    private readonly CoreEventStream _stream;

    public SseRelayContent(HttpContent original, CoreEventStream stream)
    {
        _original = original;
        _stream = stream;
        foreach (var header in original.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(_stream);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _stream.CopyToAsync(stream);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        _stream.CopyToAsync(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
            _original.Dispose();
        }

        base.Dispose(disposing);
    }
}
