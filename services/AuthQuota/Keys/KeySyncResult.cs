namespace AiCdn.AuthQuota.Keys;

/// <summary>What a declarative source's sync did: keys written and keys removed (no longer listed).</summary>
public readonly record struct KeySyncResult(int Written, int Removed);
