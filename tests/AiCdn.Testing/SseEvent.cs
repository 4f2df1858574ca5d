namespace AiCdn.Testing;

/// <summary>One server-sent event as a client saw it, with when it arrived.</summary>
public sealed record SseEvent(string? Id, string? EventType, string Data, TimeSpan ArrivedAfter);
