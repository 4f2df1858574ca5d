namespace AiCdn.Testing;

/// <summary>One server-sent event as a client saw it, with when it arrived.</summary>
public sealed record SseEvent(string? Id, string? EventType, string Data, TimeSpan ArrivedAfter)
{
    /// <summary>
    /// The event id without the usage a resumable stream's ids carry: <c>&lt;stream id&gt;.&lt;sequence&gt;</c>
    /// of <c>&lt;stream id&gt;.&lt;sequence&gt;.&lt;prompt&gt;.&lt;completion&gt;</c>.
    /// </summary>
    public string? SequenceId => Id is { } id && id.IndexOf('.') is var first and > 0 && id.IndexOf('.', first + 1) is var second and > 0 ? id[..second] : Id;
}
