namespace AiCdn.CoreRelay.Accounting;

public enum RenewResult
{
    Renewed,

    /// <summary>auth-quota no longer knows the reservation (it expired or was settled).</summary>
    Gone,

    /// <summary>auth-quota could not be reached; try again at the next sweep.</summary>
    Failed,
}
