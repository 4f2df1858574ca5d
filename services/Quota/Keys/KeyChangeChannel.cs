namespace AiCdn.Quota.Keys;

/// <summary>
/// The Redis channel on which a key change is announced, published by the same Lua script that
/// makes the change (so a stored change is never left unannounced): the key's digest, or
/// <see cref="Everything"/> after a declarative source was synced. auth-quota replicas evict what
/// they cached; core-relays drop the key's context. Listeners also publish <see cref="ProbePrefix"/>
/// messages to themselves to learn that their subscription is live; others ignore them.
/// </summary>
public static class KeyChangeChannel
{
    public const string Everything = "*";

    /// <summary>Prefix of a listener's own liveness probe (never a digest, which is hex).</summary>
    public const string ProbePrefix = "probe:";

    public static string Name(string keyPrefix) => keyPrefix + ":keys:changed";
}
