namespace AiCdn.Quota;

public enum ExtendOutcome
{
    /// <summary>Unknown, settled, expired, or another key's: nothing was changed.</summary>
    Gone = 0,

    /// <summary>The tokens were added to the reservation and charged to its key and tenant.</summary>
    Extended = 1,

    /// <summary>A token limit of the key or its tenant has no room for them: nothing was changed.</summary>
    Refused = 2,
}
