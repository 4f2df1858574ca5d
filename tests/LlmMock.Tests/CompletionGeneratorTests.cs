using AiCdn.LlmMock.Generation;
using AiCdn.Tokens;

namespace AiCdn.LlmMock.Tests;

/// <summary>Deterministic text, one o200k_base token per piece, and where stop sequences cut.</summary>
public sealed class CompletionGeneratorTests
{
    private static readonly CompletionGenerator s_generator = new(TokenCounter.Default);

    [Fact]
    public void EveryCorpusPiece_IsExactlyOneToken()
    {
        for (var i = 0; i < s_generator.CorpusTokenCount; i++)
        {
            Assert.Equal(1, TokenCounter.Default.Count(s_generator.TokenText(0, i)));
        }
    }

    [Fact]
    public void Fingerprint_DependsOnModelRolesAndContent()
    {
        ChatPromptMessage[] messages = [new("user", "hi")];

        Assert.Equal(CompletionGenerator.Fingerprint("mock-gpt", messages), CompletionGenerator.Fingerprint("mock-gpt", [new("user", "hi")]));
        Assert.NotEqual(CompletionGenerator.Fingerprint("mock-gpt", messages), CompletionGenerator.Fingerprint("mock-gpt", [new("system", "hi")]));
        Assert.NotEqual(CompletionGenerator.Fingerprint("mock-gpt", messages), CompletionGenerator.Fingerprint("other", messages));
        Assert.NotEqual(
            CompletionGenerator.Fingerprint("m", [new("user", "ab"), new("user", "c")]),
            CompletionGenerator.Fingerprint("m", [new("user", "a"), new("user", "bc")]));
    }

    [Fact]
    public void Choice_StopInsideAToken_KeepsThePartBefore_CountsTheTokenThatHadIt()
    {
        // Tokens 0..4 from offset 0; put the stop in the middle of token 2.
        var pieces = Enumerable.Range(0, 5).Select(i => s_generator.TokenText(0, i)).ToList();
        var token2 = pieces[2];
        var stop = token2[1..];
        var before = string.Concat(pieces.Take(2)) + token2[..1];
        Assert.True(string.Concat(pieces).IndexOf(stop, StringComparison.Ordinal) >= before.Length, "test setup: the stop must not occur earlier");

        var choice = s_generator.Choice(0, 0, 5, FinishReasons.Length, [stop]);

        Assert.Equal(before, s_generator.Text(choice));
        Assert.Equal(3, choice.Chunks);
        Assert.Equal(3, choice.CompletionTokens);
        Assert.Equal(FinishReasons.Stop, choice.FinishReason);
    }

    [Fact]
    public void Choice_StopSpanningTokens_CountsUpToTheTokenThatCompletesIt()
    {
        var pieces = Enumerable.Range(0, 6).Select(i => s_generator.TokenText(0, i)).ToList();
        var stop = pieces[1] + pieces[2] + pieces[3];

        var choice = s_generator.Choice(0, 0, 6, FinishReasons.Length, [stop]);

        Assert.Equal(pieces[0], s_generator.Text(choice));
        Assert.Equal(1, choice.Chunks);
        Assert.Equal(4, choice.CompletionTokens);
    }

    [Fact]
    public void Choice_EarliestOfSeveralStopsWins()
    {
        var pieces = Enumerable.Range(0, 6).Select(i => s_generator.TokenText(0, i)).ToList();

        var choice = s_generator.Choice(0, 0, 6, FinishReasons.Length, [pieces[4], pieces[2]]);

        Assert.Equal(pieces[0] + pieces[1], s_generator.Text(choice));
    }

    [Fact]
    public void Choice_StopAtTheStart_IsEmpty()
    {
        var choice = s_generator.Choice(0, 0, 4, FinishReasons.Length, [s_generator.TokenText(0, 0)]);

        Assert.Equal(0, choice.Chunks);
        Assert.Equal(string.Empty, s_generator.Text(choice));
        Assert.Equal(1, choice.CompletionTokens);
    }
}
