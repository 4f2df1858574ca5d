using System.IO.Hashing;
using System.Text;
using AiCdn.Common.Tokens;

namespace AiCdn.LlmMock.Generation;

/// <summary>
/// Deterministic text: the same request always yields the same tokens, cut from <see cref="Corpus"/>
/// at an offset derived from the model and the messages. Every token is one o200k_base token, so
/// <c>completion_tokens</c> equals the number of content chunks streamed.
/// </summary>
public sealed class CompletionGenerator
{
    private readonly string[] _tokenTexts;

    public CompletionGenerator(TokenCounter tokens)
    {
        Tokens = tokens;
        var ids = tokens.Encode(Corpus.Text);
        _tokenTexts = new string[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            _tokenTexts[i] = tokens.Decode([ids[i]]) ?? string.Empty;
        }
    }

    public TokenCounter Tokens { get; }

    public int CorpusTokenCount => _tokenTexts.Length;

    /// <summary>The offset into the corpus for a request, a stable hash of what it asked.</summary>
    public int OffsetFor(string model, IEnumerable<ChatPromptMessage> messages)
    {
        var hash = new XxHash64();
        hash.Append(Encoding.UTF8.GetBytes(model));
        foreach (var message in messages)
        {
            hash.Append(Encoding.UTF8.GetBytes(message.Role ?? string.Empty));
            hash.Append([0]);
            hash.Append(Encoding.UTF8.GetBytes(message.Content ?? string.Empty));
            hash.Append([0]);
        }

        return (int)(hash.GetCurrentHashAsUInt64() % (ulong)_tokenTexts.Length);
    }

    /// <summary>The text of token <paramref name="index"/> of a completion starting at <paramref name="offset"/>.</summary>
    public string TokenText(int offset, int index) => _tokenTexts[(offset + index) % _tokenTexts.Length];

    public string FullText(CompletionPlan plan)
    {
        var builder = new StringBuilder(plan.TokenCount * 5);
        for (var i = 0; i < plan.TokenCount; i++)
        {
            builder.Append(TokenText(plan.StartOffset, i));
        }

        return builder.ToString();
    }
}
