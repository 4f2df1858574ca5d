using AiCdn.Quota.Storage;

namespace AiCdn.AuthQuota.Storage;

/// <summary>
/// The key store's Lua scripts, embedded from the <c>.lua</c> files under <c>Keys/Redis</c> (the quota
/// scripts are in <see cref="QuotaScripts"/>). They are sent by SHA-1 (EVALSHA), with the source only
/// after a NOSCRIPT (see <see cref="RedisScript"/>).
/// </summary>
internal static class LuaScripts
{
    public static readonly RedisScript KeysSync = Load("Keys.Redis.sync.lua");
    public static readonly RedisScript KeysCreate = Load("Keys.Redis.create.lua");
    public static readonly RedisScript KeysUpdate = Load("Keys.Redis.update.lua");
    public static readonly RedisScript KeysDelete = Load("Keys.Redis.delete.lua");
    public static readonly RedisScript KeysFindById = Load("Keys.Redis.find-by-id.lua");

    private static RedisScript Load(string file) => RedisScript.FromResource(typeof(LuaScripts).Assembly, file);
}
