namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// Where a key comes from. Keys from <c>API_KEYS</c> and the keys file belong to those sources:
/// each start-up and each file change makes the store hold exactly the keys they list. Only keys
/// created through the admin API can be changed or deleted through it.
/// </summary>
public static class KeySources
{
    public const string ApiKeys = "api_keys";
    public const string File = "file";
    public const string Admin = "admin";

    public static bool IsDeclarative(string source) => source is ApiKeys or File;
}
