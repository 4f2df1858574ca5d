namespace AiCdn.CoreRelay.Resumable;

public enum ResumeLookup
{
    /// <summary>No such stream for this key (unknown, or another key's: the two are indistinguishable).</summary>
    NotFound,

    /// <summary>The key's stream existed but its grace period is over.</summary>
    Expired,

    Found,
}
