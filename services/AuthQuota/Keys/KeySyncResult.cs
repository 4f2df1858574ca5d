namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// What a declarative source's sync did: keys written, keys removed (no longer listed), and whether
/// the store changed and the change was announced to the other replicas and the cores (a sync that
/// finds everything as it was announces nothing).
/// </summary>
public readonly record struct KeySyncResult(int Written, int Removed, bool Announced);
