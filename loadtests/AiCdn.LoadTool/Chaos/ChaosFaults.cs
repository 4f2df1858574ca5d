namespace AiCdn.LoadTool.Chaos;

/// <summary>The faults the chaos scenario injects, in the order it runs them.</summary>
public static class ChaosFaults
{
    public const string CoreKill = "core-kill";
    public const string CoreRestart = "core-restart";
    public const string RedisKill = "redis-kill";
    public const string RedisStop = "redis-stop";
    public const string EdgeDrain = "edge-drain";
    public const string OriginStall = "origin-stall";

    public static readonly IReadOnlyList<string> All = [CoreKill, CoreRestart, RedisKill, RedisStop, EdgeDrain, OriginStall];

    /// <summary>What each fault does, for the report.</summary>
    public static string Describe(string fault, TimeSpan? stall = null) => fault switch
    {
        CoreKill => "SIGKILL core-1",
        CoreRestart => "start core-1 again",
        RedisKill => "SIGKILL Redis, restart it 1 s later (empty: no persistence)",
        RedisStop => "SIGSTOP Redis for 5 s",
        EdgeDrain => "SIGTERM edge-1 (it drains), start it again",
        OriginStall => $"half the streams: origin silent {(stall ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s, then on; half: origin dies mid-stream",
        _ => fault,
    };

    /// <summary>
    /// Whether a healthy path for a new request exists during the fault: another core, another edge,
    /// the origin. Not while the quota store is down: decisions fail closed, by design.
    /// </summary>
    public static bool HealthyPathExists(string fault) => fault is not (RedisKill or RedisStop);
}
