namespace AiCdn.Quota.Storage;

/// <summary>The quota Lua scripts (reserve, settle, renew, extend), embedded from <c>Redis/*.lua</c>.</summary>
internal static class QuotaScripts
{
    public static readonly RedisScript Reserve = RedisScript.FromResource(typeof(QuotaScripts).Assembly, "Redis.reserve.lua");
    public static readonly RedisScript Settle = RedisScript.FromResource(typeof(QuotaScripts).Assembly, "Redis.settle.lua");
    public static readonly RedisScript Renew = RedisScript.FromResource(typeof(QuotaScripts).Assembly, "Redis.renew.lua");
    public static readonly RedisScript Extend = RedisScript.FromResource(typeof(QuotaScripts).Assembly, "Redis.extend.lua");
}
