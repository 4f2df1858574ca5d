namespace AiCdn.AuthQuota.Keys.Redis;

/// <summary>
/// The Redis channel on which a replica announces a key change: the key's digest, or
/// <see cref="Everything"/> after a declarative source was synced. Every replica evicts what it cached.
/// </summary>
public static class KeyChangeChannel
{
    public const string Everything = "*";

    public static string Name(string keyPrefix) => keyPrefix + ":keys:changed";
}
