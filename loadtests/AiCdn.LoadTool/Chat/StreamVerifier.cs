namespace AiCdn.LoadTool.Chat;

/// <summary>
/// Checks one completion stream as it arrives against what the origin must send for that request:
/// the role chunk, exactly <c>tokens</c> content chunks whose text, in order, is the expected text,
/// the finish chunk, an optional usage chunk agreeing on the count, then <c>[DONE]</c> and nothing
/// after, all under one completion id. A chunk that is missing, repeated, reordered or altered makes
/// the text stop matching at that chunk; everything expected from there on counts as lost.
/// </summary>
public sealed class StreamVerifier(string expectedText, int expectedTokens)
{
    private enum State
    {
        AwaitRole,
        InContent,
        AfterFinish,
        Done,
        Failed,
    }

    private State _state = State.AwaitRole;
    private int _textPosition;
    private int _idHash;
    private int _required;

    /// <summary>Role + content chunks + finish + [DONE].</summary>
    public int ExpectedEvents => expectedTokens + 3;

    public int ContentChunks { get; private set; }

    /// <summary>Why the stream is wrong (a short stable code), or null while it is right.</summary>
    public string? Failure { get; private set; }

    public bool Complete => _state == State.Done;

    /// <summary>Expected events that did not arrive intact and in order (0 for a complete stream).</summary>
    public int Lost => Complete ? 0 : Math.Max(0, ExpectedEvents - _required);

    /// <summary>Takes the next event; false once the stream has gone wrong (<see cref="Failure"/> says how).</summary>
    public bool Accept(in Chunk chunk)
    {
        if (_state == State.Failed)
        {
            return false;
        }

        if (chunk.Kind != ChunkKind.Done && chunk.Kind != ChunkKind.Other)
        {
            if (_idHash == 0)
            {
                _idHash = chunk.IdHash;
            }
            else if (chunk.IdHash != _idHash)
            {
                return Fail("mixed_completion_ids");
            }
        }

        switch (_state, chunk.Kind)
        {
            case (State.AwaitRole, ChunkKind.Role):
                _required++;
                _state = State.InContent;
                return MatchText(chunk.Content);
            case (State.InContent, ChunkKind.Content):
                if (!MatchText(chunk.Content))
                {
                    return false;
                }

                ContentChunks++;
                _required++;
                return ContentChunks <= expectedTokens || Fail("too_many_chunks");
            case (State.InContent, ChunkKind.Finish):
                if (ContentChunks != expectedTokens || _textPosition != expectedText.Length)
                {
                    return Fail("chunks_missing");
                }

                _required++;
                _state = State.AfterFinish;
                return MatchText(chunk.Content);
            case (State.AfterFinish, ChunkKind.Usage):
                return chunk.CompletionTokens == expectedTokens || Fail("usage_mismatch");
            case (State.AfterFinish, ChunkKind.Done):
                _required++;
                _state = State.Done;
                return true;
            case (State.Done, _):
                return Fail("data_after_done");
            case (_, ChunkKind.Other):
                return Fail("unexpected_event");
            default:
                return Fail("out_of_sequence");
        }
    }

    /// <summary>The stream ended (the connection closed or was cut); false if it ended early.</summary>
    public bool End() => Complete || Fail(_state == State.Failed ? Failure! : "ended_early");

    private bool MatchText(string? content)
    {
        if (string.IsNullOrEmpty(content))
        {
            return true;
        }

        if (!expectedText.AsSpan(_textPosition).StartsWith(content, StringComparison.Ordinal))
        {
            return Fail("text_mismatch");
        }

        _textPosition += content.Length;
        return true;
    }

    private bool Fail(string reason)
    {
        if (_state != State.Failed)
        {
            Failure = reason;
            _state = State.Failed;
        }

        return false;
    }
}
