namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// What a declarative source's sync did: keys written, keys removed (no longer listed), and whether
/// the store changed and the change was announced to the other replicas and the cores (a sync that
/// finds everything as it was announces nothing); null for a store no other process shares.
/// </summary>
public readonly record struct KeySyncResult(int Written, int Removed, bool? Announced)
{
    public string Announcement => Announced switch
    {
        true => "changes announced to every replica and core",
        false => "nothing changed, nothing announced",
        null => "in-memory store, not shared",
    };
}
