using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace AiCdn.CoreRelay.Tests.Support;

/// <summary>The real o200k tokenizer, counting how many characters it was asked to count.</summary>
internal sealed class CountingTokenizer(Tokenizer inner) : Tokenizer
{
    private long _characters;

    public long Characters => Interlocked.Read(ref _characters);

    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        Interlocked.Add(ref _characters, text?.Length ?? textSpan.Length);
        return text is null ? inner.CountTokens(textSpan) : inner.CountTokens(text);
    }

    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        Interlocked.Add(ref _characters, text?.Length ?? textSpan.Length);
        var tokens = text is null ? inner.EncodeToTokens(textSpan, out var normalized) : inner.EncodeToTokens(text, out normalized);
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = normalized, CharsConsumed = text?.Length ?? textSpan.Length };
    }

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten) =>
        inner.Decode(ids, destination, out idsConsumed, out charsWritten);
}
