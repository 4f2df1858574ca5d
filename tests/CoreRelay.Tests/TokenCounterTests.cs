using System.Diagnostics;
using System.Text;
using AiCdn.Tokens;

namespace AiCdn.CoreRelay.Tests;

/// <summary>Counting is exact for ordinary text and linear (and stoppable) for any text.</summary>
public sealed class TokenCounterTests
{
    private static readonly TokenCounter s_counter = TokenCounter.Default;

    public static TheoryData<string> OrdinaryTexts() => new()
    {
        string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. It's 3.14159, isn't it?\n\n", 200)),
        string.Concat(Enumerable.Repeat("public static int Add(int a, int b) { return a + b; } // sum\n    if (x >= 10) { y++; }\n", 100)),
        string.Concat(Enumerable.Repeat("{\"id\": 12345, \"name\": \"Zürich\", \"tags\": [\"a\", \"b\"], \"url\": \"https://example.com/a/b?c=d\"}\n", 80)),
        string.Concat(Enumerable.Repeat("Großartige Überraschung für naïve Fußgänger — très élégant. Привет, как дела? ", 120)),
        string.Concat(Enumerable.Repeat("   indented\tline  with   odd    spacing \r\n", 150)),
    };

    [Theory]
    [MemberData(nameof(OrdinaryTexts))]
    public void Count_OrdinaryText_IsExactlyTheTokenizersCount(string text)
    {
        Assert.True(text.Length > TokenCounter.MaxChunkChars * 4, "the text spans many chunks");
        Assert.Equal(s_counter.Tokenizer.CountTokens(text), s_counter.Count(text));
    }

    [Fact]
    public void Count_RandomWordSoup_IsExactlyTheTokenizersCount()
    {
        string[] words = ["the", "quick", "don't", "it's", "3.14", "hello,", "world!", "(x)", "{\"a\":1}", "\n", "\n\n", "  ", "\t", "über", "日本語", "🙂", "snake_case", "camelCase", "-->", "1234567", "a/b/c"];
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var text = new StringBuilder();
            var length = random.Next(300, 3000);
            while (text.Length < length)
            {
                text.Append(words[random.Next(words.Length)]);
                if (random.Next(4) > 0)
                {
                    text.Append(' ');
                }
            }

            var value = text.ToString();
            Assert.Equal(s_counter.Tokenizer.CountTokens(value), s_counter.Count(value));
        }
    }

    [Theory]
    [InlineData("A")]
    [InlineData(" ")]
    [InlineData("!")]
    [InlineData("ab")]
    [InlineData("日")]
    [InlineData("😀")]
    [InlineData(" \n")]
    public void Count_MillionCharacterRunOfOnePattern_TakesSecondsNotMinutes(string pattern)
    {
        var text = string.Concat(Enumerable.Repeat(pattern, 1_000_000 / pattern.Length));

        var clock = Stopwatch.StartNew();
        var count = s_counter.Count(text);

        // Unchunked, a run this long costs the square of its length: many minutes. Chunked, well under a second.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"counting a million '{pattern}' took {clock.Elapsed}");
        Assert.InRange(count, 1, text.Length * 2);
    }

    [Fact]
    public void Count_CancelledCaller_Stops()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => s_counter.Count(new string('A', 100_000), cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => s_counter.CountChatPrompt([new("user", new string('A', 100_000))], cancelled.Token));
    }

    [Fact]
    public void ChunkEnd_NeverBetweenTheHalvesOfASurrogatePair()
    {
        var text = "x" + string.Concat(Enumerable.Repeat("😀", TokenCounter.MaxChunkChars));

        var end = TokenCounter.ChunkEnd(text);

        Assert.False(char.IsHighSurrogate(text[end - 1]));
        Assert.True(end > TokenCounter.MaxChunkChars / 2);
    }

    [Fact]
    public void ChunkEnd_BeforeASpaceThatFollowsAWord()
    {
        var text = new string('a', 200) + " " + new string('b', 200);

        Assert.Equal(200, TokenCounter.ChunkEnd(text));
    }
}
