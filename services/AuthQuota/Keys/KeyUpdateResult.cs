namespace AiCdn.AuthQuota.Keys;

public enum KeyUpdateResult
{
    NotFound,
    Updated,

    /// <summary>Someone else changed the key since it was read (its version moved on).</summary>
    Conflict,
}
