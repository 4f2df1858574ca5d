namespace AiCdn.Quota;

public enum SettleOutcome
{
    /// <summary>Unknown, or expired before it was settled (its estimate stays charged).</summary>
    NotFound = 0,

    Settled = 1,

    /// <summary>Settled before: a repeated settle changes nothing.</summary>
    AlreadySettled = 2,

    /// <summary>A cancel that came before the reservation: it will never be made.</summary>
    Cancelled = 4,
}
