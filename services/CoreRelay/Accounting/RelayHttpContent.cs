using System.Net;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// Replaces an origin response's content so that YARP, copying the body to the client, reads it
/// through an accounting stream. Headers are the origin's; the origin content is disposed with it.
/// </summary>
public sealed class RelayHttpContent : HttpContent
{
    private readonly HttpContent _origin;
    private readonly Func<Stream, Stream> _wrap;
    private readonly bool _ownsOrigin;

    /// <param name="ownsOrigin">False when something else (a resumable stream) goes on reading the origin after YARP is done.</param>
    public RelayHttpContent(HttpContent origin, Func<Stream, Stream> wrap, bool ownsOrigin = true)
    {
        _origin = origin;
        _wrap = wrap;
        _ownsOrigin = ownsOrigin;
        foreach (var header in origin.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        _wrap(await _origin.ReadAsStreamAsync(cancellationToken));

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var source = await CreateContentReadStreamAsync(cancellationToken);
        await source.CopyToAsync(stream, cancellationToken);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsOrigin)
        {
            _origin.Dispose();
        }

        base.Dispose(disposing);
    }
}
