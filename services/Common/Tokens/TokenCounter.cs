using Microsoft.ML.Tokenizers;

namespace AiCdn.Common.Tokens;

/// <summary>
/// Counts tokens the way current OpenAI models do (tiktoken <c>o200k_base</c>, via
/// Microsoft.ML.Tokenizers). One tokenizer instance is shared: it is thread-safe and costly to load.
/// </summary>
public sealed class TokenCounter
{
    private static readonly Lazy<TokenCounter> s_default = new(() => new TokenCounter(TiktokenTokenizer.CreateForEncoding("o200k_base")));

    public static TokenCounter Default => s_default.Value;

    public TokenCounter(Tokenizer tokenizer) => Tokenizer = tokenizer;

    public Tokenizer Tokenizer { get; }

    public int Count(string? text) => string.IsNullOrEmpty(text) ? 0 : Tokenizer.CountTokens(text);

    public int Count(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : Tokenizer.CountTokens(text);

    /// <summary>
    /// Prompt tokens of a chat request, by OpenAI's published accounting for current chat models:
    /// 3 tokens of framing per message, 1 more when it has a name, and 3 priming the reply.
    /// </summary>
    public int CountChatPrompt(IEnumerable<ChatPromptMessage> messages)
    {
        const int PerMessage = 3;
        const int PerName = 1;
        const int ReplyPriming = 3;

        var total = ReplyPriming;
        foreach (var message in messages)
        {
            total += PerMessage + Count(message.Role) + Count(message.Content);
            if (!string.IsNullOrEmpty(message.Name))
            {
                total += PerName + Count(message.Name);
            }
        }

        return total;
    }

    public IReadOnlyList<int> Encode(string text) => Tokenizer.EncodeToIds(text);

    public string? Decode(IEnumerable<int> ids) => Tokenizer.Decode(ids);
}
