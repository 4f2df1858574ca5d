namespace AiCdn.LlmMock.Generation;

/// <summary>What one generated completion will contain and how it will be paced.</summary>
public sealed record CompletionPlan(
    int StartOffset,
    int TokenCount,
    string FinishReason,
    int PromptTokens,
    TimeSpan TimeToFirstToken,
    TimeSpan TokenInterval);
