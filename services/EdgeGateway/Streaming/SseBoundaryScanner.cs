namespace AiCdn.EdgeGateway.Streaming;

/// <summary>
/// Follows a Server-Sent Events byte stream far enough to know whether it currently stands between
/// two events (just after the blank line that dispatches one). Lines end in CRLF, LF or CR (WHATWG
/// HTML, "Parsing an event stream"). A value type with three flags: no allocation, and the usual
/// chunk costs one vectorised search.
/// </summary>
public struct SseBoundaryScanner
{
    private bool _atLineStart;
    private bool _atBoundary;
    private bool _afterCarriageReturn;

    /// <summary>The state before the first byte: nothing half-sent, so a boundary.</summary>
    public static SseBoundaryScanner Start => new() { _atLineStart = true, _atBoundary = true };

    /// <summary>True when every byte seen so far belongs to complete events.</summary>
    public readonly bool AtBoundary => _atBoundary;

    /// <summary>Moves over <paramref name="bytes"/>.</summary>
    public void Advance(ReadOnlySpan<byte> bytes)
    {
        // Only the trailing line terminators decide the state; everything before the last other byte
        // is ordinary content.
        var lastContent = bytes.LastIndexOfAnyExcept((byte)'\r', (byte)'\n');
        if (lastContent >= 0)
        {
            _atLineStart = false;
            _atBoundary = false;
            _afterCarriageReturn = false;
            bytes = bytes[(lastContent + 1)..];
        }

        foreach (var b in bytes)
        {
            Step(b);
        }
    }

    /// <summary>
    /// Moves over <paramref name="bytes"/> until the first event boundary and returns the number of
    /// bytes up to and including it: 0 when the stream already stands at a boundary, -1 (having moved
    /// over everything) when <paramref name="bytes"/> ends inside an event.
    /// </summary>
    public int AdvanceToBoundary(ReadOnlySpan<byte> bytes)
    {
        if (_atBoundary)
        {
            return 0;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            Step(bytes[i]);
            if (_atBoundary)
            {
                return i + 1;
            }
        }

        return -1;
    }

    private void Step(byte b)
    {
        if (_afterCarriageReturn && b == (byte)'\n')
        {
            // The LF of a CRLF: the CR already ended the line.
            _afterCarriageReturn = false;
            return;
        }

        _afterCarriageReturn = b == (byte)'\r';
        if (b is (byte)'\r' or (byte)'\n')
        {
            if (_atLineStart)
            {
                // A blank line dispatches the event.
                _atBoundary = true;
            }

            _atLineStart = true;
            return;
        }

        _atLineStart = false;
        _atBoundary = false;
    }
}
