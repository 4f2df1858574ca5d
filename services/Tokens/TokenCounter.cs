using Microsoft.ML.Tokenizers;

namespace AiCdn.Tokens;

/// <summary>
/// Counts tokens the way current OpenAI models do (tiktoken <c>o200k_base</c>, via
/// Microsoft.ML.Tokenizers). One tokenizer instance is shared: it is thread-safe and costly to load.
/// </summary>
/// <remarks>
/// Byte-pair encoding costs the square of a piece's length, and the pre-tokenizer leaves long
/// pieces whole (a run of one letter, spaces, CJK text, emoji), so a 1 MB prompt could hold a core
/// for minutes. Text is therefore counted in chunks of at most <see cref="MaxChunkChars"/>, cut
/// before a space that follows a non-space where there is one: no o200k piece spans such a place,
/// so the count is exact for text whose words are shorter than a chunk (all ordinary prose and
/// code). A longer space-less run is cut where the chunk ends, which may count a token more or less
/// per cut. The cost is linear in the text whatever it holds, and the token is checked between
/// chunks, so the work stops when the caller is gone. See docs/security.md.
/// </remarks>
public sealed class TokenCounter
{
    /// <summary>The longest piece of text handed to the tokenizer at once.</summary>
    public const int MaxChunkChars = 256;

    /// <summary>A cut is only searched for in the last part of a chunk, so chunks stay long.</summary>
    private const int MinChunkChars = MaxChunkChars / 4;

    private static readonly Lazy<TokenCounter> s_default = new(() => new TokenCounter(TiktokenTokenizer.CreateForEncoding("o200k_base")));

    public static TokenCounter Default => s_default.Value;

    public TokenCounter(Tokenizer tokenizer) => Tokenizer = tokenizer;

    public Tokenizer Tokenizer { get; }

    public int Count(string? text, CancellationToken cancellationToken = default) => Count(text.AsSpan(), cancellationToken);

    public int Count(ReadOnlySpan<char> text, CancellationToken cancellationToken = default)
    {
        var total = 0;
        while (text.Length > MaxChunkChars)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cut = ChunkEnd(text);
            total += Tokenizer.CountTokens(text[..cut]);
            text = text[cut..];
        }

        return text.IsEmpty ? total : total + Tokenizer.CountTokens(text);
    }

    /// <summary>
    /// Where the chunk at the start of <paramref name="text"/> ends: before the last space that
    /// follows a non-space within <see cref="MaxChunkChars"/>, else at the limit (never between the
    /// two halves of a surrogate pair).
    /// </summary>
    internal static int ChunkEnd(ReadOnlySpan<char> text)
    {
        for (var i = MaxChunkChars; i > MinChunkChars; i--)
        {
            if (text[i] == ' ' && !char.IsWhiteSpace(text[i - 1]))
            {
                return i;
            }
        }

        return char.IsHighSurrogate(text[MaxChunkChars - 1]) ? MaxChunkChars - 1 : MaxChunkChars;
    }

    /// <summary>
    /// Prompt tokens of a chat request, by OpenAI's published accounting for current chat models:
    /// 3 tokens of framing per message, 1 more when it has a name, and 3 priming the reply.
    /// </summary>
    public int CountChatPrompt(IEnumerable<ChatPromptMessage> messages, CancellationToken cancellationToken = default)
    {
        const int PerMessage = 3;
        const int PerName = 1;
        const int ReplyPriming = 3;

        var total = ReplyPriming;
        foreach (var message in messages)
        {
            total += PerMessage + Count(message.Role, cancellationToken) + Count(message.Content, cancellationToken);
            if (!string.IsNullOrEmpty(message.Name))
            {
                total += PerName + Count(message.Name, cancellationToken);
            }
        }

        return total;
    }

    public IReadOnlyList<int> Encode(string text) => Tokenizer.EncodeToIds(text);

    public string? Decode(IEnumerable<int> ids) => Tokenizer.Decode(ids);
}
