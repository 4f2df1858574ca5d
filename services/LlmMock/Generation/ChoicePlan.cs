namespace AiCdn.LlmMock.Generation;

/// <summary>
/// One generated choice: <see cref="Chunks"/> content chunks from <see cref="StartOffset"/> in the
/// corpus, the last replaced by <see cref="LastPiece"/> when a stop sequence cut a token in two.
/// </summary>
public sealed class ChoicePlan(int index, int startOffset, int chunks, string? lastPiece, int completionTokens, string finishReason)
{
    public int Index { get; } = index;

    public int StartOffset { get; } = startOffset;

    /// <summary>Content chunks streamed, one per token.</summary>
    public int Chunks { get; } = chunks;

    public string? LastPiece { get; } = lastPiece;

    public byte[]? LastPieceJson { get; } = lastPiece is null ? null : CompletionGenerator.JsonString(lastPiece);

    /// <summary>Tokens generated, the ones a stop sequence hid included (what usage reports).</summary>
    public int CompletionTokens { get; } = completionTokens;

    public string FinishReason { get; } = finishReason;
}
