namespace AiCdn.AuthQuota.Storage;

/// <summary>
/// The Lua scripts, embedded from the <c>.lua</c> files under <c>Quota/Redis</c> and <c>Keys/Redis</c>. StackExchange.Redis sends
/// them by SHA (EVALSHA) once the server knows them and re-sends the source after a NOSCRIPT (a
/// restarted Redis).
/// </summary>
internal static class LuaScripts
{
    public static readonly string Reserve = Load("Quota.Redis.reserve.lua");
    public static readonly string Settle = Load("Quota.Redis.settle.lua");
    public static readonly string Renew = Load("Quota.Redis.renew.lua");
    public static readonly string KeysSync = Load("Keys.Redis.sync.lua");
    public static readonly string KeysCreate = Load("Keys.Redis.create.lua");
    public static readonly string KeysUpdate = Load("Keys.Redis.update.lua");
    public static readonly string KeysDelete = Load("Keys.Redis.delete.lua");
    public static readonly string KeysFindById = Load("Keys.Redis.find-by-id.lua");

    private static string Load(string file)
    {
        var assembly = typeof(LuaScripts).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + file, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
