namespace AiCdn.LoadTool.Chaos;

/// <summary>One fault's row of the chaos table.</summary>
public sealed record ChaosPhaseResult
{
    public required string Fault { get; init; }

    public int Streams { get; init; }

    public int Complete { get; init; }

    /// <summary>Streams that ended with an error event, or were refused with an error status.</summary>
    public int ExplicitError { get; init; }

    /// <summary>Streams whose connection broke under the client (visible, but without an error event).</summary>
    public int Cut { get; init; }

    /// <summary>Must be 0.</summary>
    public int SilentTruncations { get; init; }

    /// <summary>Must be 0.</summary>
    public int Duplicated { get; init; }

    /// <summary>Streams that ended with [DONE] and the wrong text; must be 0.</summary>
    public int Altered { get; init; }

    public int BackgroundSent { get; init; }

    public int BackgroundFailed { get; init; }

    /// <summary>New requests (sent once the fault was knowable) refused while another core, edge or the origin could have served them; must be 0.</summary>
    public int RefusedWithHealthyPath { get; init; }

    /// <summary>Requests already on their way to the failing hop when the fault struck (sent less than half a second before it was knowable) that failed with it.</summary>
    public int LostInFlight { get; init; }

    /// <summary>From the fault to the last failed background request, or zero when none failed.</summary>
    public TimeSpan Recovery { get; init; }

    /// <summary>Keys whose settled tokens equal the tokens the origin produced for them, of all keys; null when not comparable.</summary>
    public int? KeysSettledExactly { get; init; }

    /// <summary>
    /// Keys charged less than the origin produced for them; null when not comparable. Never
    /// acceptable, but after a killed core: tokens the origin sent after the last event a client
    /// received whole cannot be known to anyone but the origin (see <see cref="TokensSettledMinusProduced"/>).
    /// </summary>
    public int? KeysUndercharged { get; init; }

    /// <summary>Tokens settled minus tokens the origin produced, over every key; null when not comparable.</summary>
    public long? TokensSettledMinusProduced { get; init; }

    public int Keys { get; init; }

    /// <summary>What the usage comparison found (every key that differs, or why it does not apply).</summary>
    public string UsageNote { get; init; } = string.Empty;

    /// <summary>The most common reasons background requests failed.</summary>
    public string BackgroundEndings { get; init; } = string.Empty;

    /// <summary>The most common ways streams ended other than complete.</summary>
    public string Endings { get; init; } = string.Empty;
}
