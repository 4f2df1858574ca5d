namespace AiCdn.CoreRelay.Accounting;

/// <summary>Token usage as the origin reported it.</summary>
public readonly record struct TokenUsage(int PromptTokens, int CompletionTokens);
