namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// What a request is charged. <see cref="Forwarded"/> false gives the request and its tokens back.
/// <see cref="Outcome"/> is one of <see cref="SettlementOutcomes"/>, or the code of the error event
/// the core ended a failed stream with.
/// </summary>
public readonly record struct Settlement(bool Forwarded, int PromptTokens, int CompletionTokens, string Outcome);
