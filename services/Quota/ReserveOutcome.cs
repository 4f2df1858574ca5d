namespace AiCdn.Quota;

public enum ReserveOutcome
{
    /// <summary>At least one limit had no room; nothing was reserved.</summary>
    Rejected = 0,

    /// <summary>The request, its token estimate and (for a stream) a lease are reserved.</summary>
    Reserved = 1,

    /// <summary>This reservation id was already reserved: a retried call, answered without reserving twice.</summary>
    AlreadyReserved = 2,

    /// <summary>The reservation id belongs to another key's reservation.</summary>
    IdConflict = 3,

    /// <summary>The caller already cancelled this reservation (it gave up waiting for it): nothing was reserved.</summary>
    Cancelled = 5,
}
