namespace AiCdn.AuthQuota.Storage;

/// <summary>
/// The Lua scripts, embedded from the <c>.lua</c> files under <c>Quota/Redis</c> and <c>Keys/Redis</c>. They are sent by SHA-1
/// (EVALSHA), with the source only after a NOSCRIPT (see <see cref="RedisScript"/>).
/// </summary>
internal static class LuaScripts
{
    public static readonly RedisScript Reserve = Load("Quota.Redis.reserve.lua");
    public static readonly RedisScript Settle = Load("Quota.Redis.settle.lua");
    public static readonly RedisScript Renew = Load("Quota.Redis.renew.lua");
    public static readonly RedisScript KeysSync = Load("Keys.Redis.sync.lua");
    public static readonly RedisScript KeysCreate = Load("Keys.Redis.create.lua");
    public static readonly RedisScript KeysUpdate = Load("Keys.Redis.update.lua");
    public static readonly RedisScript KeysDelete = Load("Keys.Redis.delete.lua");
    public static readonly RedisScript KeysFindById = Load("Keys.Redis.find-by-id.lua");

    private static RedisScript Load(string file)
    {
        var assembly = typeof(LuaScripts).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + file, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return new RedisScript(reader.ReadToEnd());
    }
}
