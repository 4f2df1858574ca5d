namespace AiCdn.Quota;

/// <summary>
/// One limit as a store saw it: <see cref="Used"/> counts what the limit holds right now (after the
/// reservation when one was made); <see cref="ResetMs"/> is the time until it is back to its full
/// allowance; <see cref="WaitMs"/> is how long the reservation would have to wait to fit
/// (0 it fits, <see cref="Never"/> it never fits, <see cref="WhenAStreamEnds"/> for stream leases).
/// </summary>
public readonly record struct LimitReading(long? Limit, long Used, long ResetMs, long WaitMs)
{
    public const long Never = -1;
    public const long WhenAStreamEnds = -2;

    public bool Fits => WaitMs == 0;

    public long? Remaining => Limit is { } limit ? Math.Max(0, limit - Used) : null;
}
