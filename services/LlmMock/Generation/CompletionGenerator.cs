using System.Buffers;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using AiCdn.Tokens;

namespace AiCdn.LlmMock.Generation;

/// <summary>
/// Deterministic text: the same request always yields the same tokens, cut from <see cref="Corpus"/>
/// at an offset derived from the model, the messages and the choice index. Every piece is one
/// o200k_base token, so <c>completion_tokens</c> equals the number of content chunks streamed, and
/// each token's JSON string is encoded once here, not per chunk.
/// </summary>
public sealed class CompletionGenerator
{
    private readonly string[] _tokenTexts;
    private readonly byte[][] _tokenJson;

    public CompletionGenerator(TokenCounter tokens)
    {
        Tokens = tokens;
        var ids = tokens.Encode(Corpus.Text);
        _tokenTexts = new string[ids.Count];
        _tokenJson = new byte[ids.Count][];
        for (var i = 0; i < ids.Count; i++)
        {
            _tokenTexts[i] = tokens.Decode([ids[i]]) ?? string.Empty;
            _tokenJson[i] = JsonString(_tokenTexts[i]);
        }
    }

    public TokenCounter Tokens { get; }

    public int CorpusTokenCount => _tokenTexts.Length;

    /// <summary>A stable hash of what a request asked: the model and every message's role and text.</summary>
    public static ulong Fingerprint(string model, IReadOnlyList<ChatPromptMessage> messages)
    {
        var hash = new XxHash64();
        Append(hash, model);
        foreach (var message in messages)
        {
            Append(hash, message.Role);
            hash.Append([0]);
            Append(hash, message.Content);
            hash.Append([0]);
        }

        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>Where choice <paramref name="choice"/> of a request starts in the corpus; each choice gets its own text.</summary>
    public int OffsetFor(ulong fingerprint, int choice)
    {
        var mixed = choice == 0 ? fingerprint : Mix(fingerprint + ((ulong)choice * 0x9E3779B97F4A7C15UL));
        return (int)(mixed % (ulong)_tokenTexts.Length);
    }

    /// <summary>The text of token <paramref name="index"/> of a completion starting at <paramref name="offset"/>.</summary>
    public string TokenText(int offset, int index) => _tokenTexts[(offset + index) % _tokenTexts.Length];

    /// <summary>The same token as a JSON string literal (quotes included), UTF-8.</summary>
    public ReadOnlySpan<byte> TokenJson(int offset, int index) => _tokenJson[(offset + index) % _tokenJson.Length];

    /// <summary>
    /// One choice of <paramref name="tokens"/> tokens, cut short at the first stop sequence when one
    /// occurs. Like OpenAI, the stop sequence itself is not returned, but the tokens that produced it
    /// are counted as generated.
    /// </summary>
    public ChoicePlan Choice(int index, int offset, int tokens, string finishReason, IReadOnlyList<string>? stops)
    {
        if (stops is { Count: > 0 } && tokens > 0)
        {
            var text = new StringBuilder(tokens * 5);
            var ends = new int[tokens];
            for (var i = 0; i < tokens; i++)
            {
                text.Append(TokenText(offset, i));
                ends[i] = text.Length;
            }

            var full = text.ToString();
            int stopAt = -1, stopEnd = -1;
            foreach (var stop in stops)
            {
                var at = full.IndexOf(stop, StringComparison.Ordinal);
                if (at >= 0 && (stopAt < 0 || at < stopAt))
                {
                    stopAt = at;
                    stopEnd = at + stop.Length;
                }
            }

            if (stopAt >= 0)
            {
                var whole = UpperBound(ends, stopAt);
                var pieceStart = whole == 0 ? 0 : ends[whole - 1];
                var lastPiece = stopAt > pieceStart ? full[pieceStart..stopAt] : null;
                var generated = LowerBound(ends, stopEnd) + 1;
                return new ChoicePlan(index, offset, whole + (lastPiece is null ? 0 : 1), lastPiece, generated, FinishReasons.Stop);
            }
        }

        return new ChoicePlan(index, offset, tokens, null, tokens, finishReason);
    }

    /// <summary>The text of content chunk <paramref name="chunk"/> of a choice.</summary>
    public string PieceText(ChoicePlan choice, int chunk) =>
        choice.LastPiece is { } last && chunk == choice.Chunks - 1 ? last : TokenText(choice.StartOffset, chunk);

    /// <summary>Content chunk <paramref name="chunk"/> of a choice as a JSON string literal.</summary>
    public ReadOnlySpan<byte> PieceJson(ChoicePlan choice, int chunk) =>
        choice.LastPieceJson is { } last && chunk == choice.Chunks - 1 ? last : TokenJson(choice.StartOffset, chunk);

    /// <summary>A choice's whole visible text.</summary>
    public string Text(ChoicePlan choice)
    {
        var builder = new StringBuilder(choice.Chunks * 5);
        for (var i = 0; i < choice.Chunks; i++)
        {
            builder.Append(PieceText(choice, i));
        }

        return builder.ToString();
    }

    internal static byte[] JsonString(string text)
    {
        var encoded = JsonEncodedText.Encode(text).EncodedUtf8Bytes;
        var bytes = new byte[encoded.Length + 2];
        bytes[0] = (byte)'"';
        encoded.CopyTo(bytes.AsSpan(1));
        bytes[^1] = (byte)'"';
        return bytes;
    }

    private static void Append(XxHash64 hash, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = max > 512 ? ArrayPool<byte>.Shared.Rent(max) : null;
        Span<byte> buffer = rented ?? stackalloc byte[512];
        var length = Encoding.UTF8.GetBytes(text, buffer);
        hash.Append(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // SplitMix64's finaliser: spreads neighbouring choice indexes over the whole corpus.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>How many entries of the ascending <paramref name="ends"/> are at most <paramref name="value"/>.</summary>
    private static int UpperBound(int[] ends, int value)
    {
        var index = Array.BinarySearch(ends, value);
        if (index < 0)
        {
            return ~index;
        }

        while (index + 1 < ends.Length && ends[index + 1] == value)
        {
            index++;
        }

        return index + 1;
    }

    /// <summary>The first entry of the ascending <paramref name="ends"/> that is at least <paramref name="value"/>.</summary>
    private static int LowerBound(int[] ends, int value)
    {
        var index = Array.BinarySearch(ends, value);
        if (index < 0)
        {
            return Math.Min(~index, ends.Length - 1);
        }

        while (index > 0 && ends[index - 1] == value)
        {
            index--;
        }

        return index;
    }
}
