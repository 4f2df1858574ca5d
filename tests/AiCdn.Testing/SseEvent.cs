namespace AiCdn.Testing;

/// <summary>One server-sent event as a client saw it, with when it arrived.</summary>
public sealed record SseEvent(string? Id, string? EventType, string Data, TimeSpan ArrivedAfter)
{
    /// <summary>
    /// The event id without the usage a resumable stream's ids carry: <c>&lt;stream id&gt;.&lt;sequence&gt;</c>
    /// of <c>&lt;stream id&gt;.&lt;sequence&gt;.&lt;prompt&gt;.&lt;completion&gt;</c>.
    /// </summary>
    public string? SequenceId => Id is { } id && id.IndexOf('.') is var first and > 0 && id.IndexOf('.', first + 1) is var second and > 0 ? id[..second] : Id;

    /// <summary>The completion tokens a resumable stream's event id says were charged up to this event, or null.</summary>
    public int? CompletionTokensSoFar => Id is { } id && id.LastIndexOf('.') is var last and > 0 && SequenceId!.Length < last
        && int.TryParse(id.AsSpan(last + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tokens) ? tokens : null;
}
