namespace AiCdn.CoreRelay.Accounting;

/// <summary>How a relayed request ended, as settlements, access logs and spans name it.</summary>
public static class SettlementOutcomes
{
    public const string Completed = "completed";
    public const string CompletedWithoutUsage = "completed_without_usage";
    public const string ClientDisconnected = "client_disconnected";
    public const string OriginRejected = "origin_rejected";
    public const string OriginError = "origin_error";
    public const string OriginUnreachable = "origin_unreachable";

    /// <summary>The decision never came (the quota store or auth-quota did not answer): the reservation, if it was made, is cancelled.</summary>
    public const string Abandoned = "abandoned";

    /// <summary>The edge lost this attempt's core before it answered and sent the request to another core, which cancels this attempt's reservation.</summary>
    public const string Superseded = "superseded";

    /// <summary>The core holding a resumable stream died; an edge reported the usage its client had received (<see cref="Common.Streams.LostStreamReport"/>).</summary>
    public const string CoreLost = "core_lost";
}
