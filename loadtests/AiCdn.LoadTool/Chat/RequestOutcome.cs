namespace AiCdn.LoadTool.Chat;

/// <summary>How one request ended.</summary>
/// <param name="Error">Null on success; otherwise a short stable kind (<c>status_429</c>, <c>connect</c>, <c>text_mismatch</c>, ...).</param>
/// <param name="LostChunks">Expected events that never arrived intact (streams only).</param>
/// <param name="Total">From the scheduled send to the last byte.</param>
/// <param name="WasOpen">The response headers arrived with 200 (the stream was held at some point).</param>
public readonly record struct RequestOutcome(string? Error, int LostChunks, TimeSpan Total, bool WasOpen);
