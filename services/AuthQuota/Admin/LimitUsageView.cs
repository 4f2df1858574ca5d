using System.Text.Json.Serialization;
using AiCdn.Quota;

namespace AiCdn.AuthQuota.Admin;

/// <summary>
/// One limit's state. <see cref="Used"/> is what counts against it now (for a per-minute limit, the
/// part of the last minute's use that has not drained yet); null when nothing is counted (no limit
/// per minute). <see cref="ResetMs"/>: time until it is back to its full allowance.
/// </summary>
public sealed record LimitUsageView(
    [property: JsonPropertyName("limit")] long? Limit,
    [property: JsonPropertyName("used")] long? Used,
    [property: JsonPropertyName("remaining")] long? Remaining,
    [property: JsonPropertyName("reset_ms")] long ResetMs)
{
    public static LimitUsageView From(LimitReading reading, bool countedWithoutLimit) =>
        new(reading.Limit, reading.Limit is null && !countedWithoutLimit ? null : reading.Used, reading.Remaining, reading.ResetMs);
}
