namespace AiCdn.LlmMock.Generation;

/// <summary>What one generated completion will contain and how it will be paced.</summary>
public sealed class CompletionPlan(IReadOnlyList<ChoicePlan> choices, int promptTokens, Pacing pacing)
{
    public IReadOnlyList<ChoicePlan> Choices { get; } = choices;

    public int PromptTokens { get; } = promptTokens;

    public TimeSpan TimeToFirstToken { get; } = pacing.TimeToFirstToken;

    public TimeSpan TokenInterval { get; } = pacing.TokenInterval;

    /// <summary>All choices' generated tokens, as OpenAI's usage counts them.</summary>
    public int CompletionTokens { get; } = choices.Sum(c => c.CompletionTokens);

    /// <summary>Pacing steps: the longest choice's chunk count.</summary>
    public int Steps { get; } = choices.Count == 0 ? 0 : choices.Max(c => c.Chunks);

    /// <summary>How long the whole completion takes to generate, what a non-streamed answer waits.</summary>
    public TimeSpan GenerationTime => TimeToFirstToken + (TokenInterval * Math.Max(0, Steps - 1));
}
