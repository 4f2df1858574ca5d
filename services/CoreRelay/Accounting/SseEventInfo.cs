namespace AiCdn.CoreRelay.Accounting;

/// <summary>What one event tells the accounting: its kind, usage if it carries it, and tokens of content it relays.</summary>
public readonly record struct SseEventInfo(SseEventKind Kind, TokenUsage? Usage, int ContentTokens, bool HasContent);
