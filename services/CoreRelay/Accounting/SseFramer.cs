namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// Finds where server-sent events end in a byte buffer (an empty line: <c>\n\n</c>, <c>\r\n\r\n</c>,
/// <c>\r\r</c> or any mix), remembering how far it has scanned so bytes that arrive a few at a time
/// are looked at once. Events split across reads at any byte boundary are framed correctly.
/// </summary>
public struct SseFramer
{
    private int _scanned;
    private int _lineStart;

    /// <summary>
    /// Looks for the end of the first event in <paramref name="buffer"/> (which starts at that event).
    /// Returns its length including the terminating empty line, or -1 when more bytes are needed.
    /// </summary>
    public int FindEventEnd(ReadOnlySpan<byte> buffer, bool endOfStream = false)
    {
        var i = _scanned;
        while (i < buffer.Length)
        {
            var b = buffer[i];
            if (b is not ((byte)'\n' or (byte)'\r'))
            {
                i++;
                continue;
            }

            var next = i + 1;
            if (b == (byte)'\r')
            {
                if (next == buffer.Length && !endOfStream)
                {
                    // A lone CR at the end of what we have: it may be the first half of CRLF.
                    _scanned = i;
                    return -1;
                }

                if (next < buffer.Length && buffer[next] == (byte)'\n')
                {
                    next++;
                }
            }

            if (i == _lineStart)
            {
                // An empty line: the event ends here.
                Reset();
                return next;
            }

            _lineStart = next;
            i = next;
        }

        _scanned = i;
        return -1;
    }

    /// <summary>Forget the scan position; call after removing a framed event from the buffer.</summary>
    public void Reset()
    {
        _scanned = 0;
        _lineStart = 0;
    }
}
