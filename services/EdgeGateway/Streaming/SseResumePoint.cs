using System.Text;

namespace AiCdn.EdgeGateway.Streaming;

/// <summary>
/// Where a relayed resumable stream stands, so a lost link to the core can be resumed exactly:
/// the <c>id:</c> of the last event the client received whole, and how many bytes of the next event
/// it has already received. Follows the bytes one at a time with a few fields of state and a small
/// fixed buffer: nothing is allocated per chunk.
/// </summary>
public sealed class SseResumePoint
{
    private const int MaxIdLength = 128;

    private readonly byte[] _pending = new byte[MaxIdLength];
    private readonly byte[] _committed = new byte[MaxIdLength];
    private int _pendingLength = -1;
    private int _committedLength = -1;
    private int _linePosition;
    private bool _lineIsId;
    private bool _skipSpace;
    private bool _afterCarriageReturn;
    private bool _carriageReturnEndedEvent;

    /// <summary>Bytes of the current, not yet complete, event already relayed.</summary>
    public int BytesIntoEvent { get; private set; }

    /// <summary>The id of the last complete event relayed, or null before the first one that had an id.</summary>
    public string? LastEventId => _committedLength < 0 ? null : Encoding.ASCII.GetString(_committed, 0, _committedLength);

    public void Advance(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            Step(b);
        }
    }

    private void Step(byte b)
    {
        if (_afterCarriageReturn && b == (byte)'\n')
        {
            // The LF of a CRLF: part of the line (or event) end the CR began.
            _afterCarriageReturn = false;
            if (!_carriageReturnEndedEvent)
            {
                BytesIntoEvent++;
            }

            return;
        }

        _afterCarriageReturn = b == (byte)'\r';
        _carriageReturnEndedEvent = false;
        if (b is (byte)'\r' or (byte)'\n')
        {
            if (_linePosition == 0)
            {
                // A blank line: the event is complete, and its id (if any) is the resume point.
                if (_pendingLength >= 0)
                {
                    _pending.AsSpan(0, _pendingLength).CopyTo(_committed);
                    _committedLength = _pendingLength;
                }

                _pendingLength = -1;
                BytesIntoEvent = 0;
                _carriageReturnEndedEvent = b == (byte)'\r';
                return;
            }

            _linePosition = 0;
            _lineIsId = false;
            BytesIntoEvent++;
            return;
        }

        BytesIntoEvent++;
        if (_linePosition < 3)
        {
            var expected = "id:"u8[_linePosition];
            _lineIsId = (_linePosition == 0 || _lineIsId) && b == expected;
            if (_linePosition == 2 && _lineIsId)
            {
                _pendingLength = 0;
                _skipSpace = true;
            }
        }
        else if (_lineIsId)
        {
            if (_skipSpace && b == (byte)' ')
            {
                _skipSpace = false;
            }
            else
            {
                _skipSpace = false;
                if (_pendingLength < MaxIdLength)
                {
                    _pending[_pendingLength++] = b;
                }
            }
        }

        _linePosition++;
    }
}
