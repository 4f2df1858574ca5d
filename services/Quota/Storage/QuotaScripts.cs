namespace AiCdn.AuthQuota.Storage;

/// <summary>The quota Lua scripts (reserve, settle, renew), embedded from <c>Quota/Redis/*.lua</c>.</summary>
internal static class QuotaScripts
{
    public static readonly RedisScript Reserve = RedisScript.FromResource(typeof(QuotaScripts).Assembly, "Quota.Redis.reserve.lua");
    public static readonly RedisScript Settle = RedisScript.FromResource(typeof(QuotaScripts).Assembly, "Quota.Redis.settle.lua");
    public static readonly RedisScript Renew = RedisScript.FromResource(typeof(QuotaScripts).Assembly, "Quota.Redis.renew.lua");
}
