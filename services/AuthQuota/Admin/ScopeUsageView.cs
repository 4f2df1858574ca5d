using System.Text.Json.Serialization;
using AiCdn.Quota;

namespace AiCdn.AuthQuota.Admin;

public sealed record ScopeUsageView(
    [property: JsonPropertyName("requests_per_minute")] LimitUsageView RequestsPerMinute,
    [property: JsonPropertyName("tokens_per_minute")] LimitUsageView TokensPerMinute,
    [property: JsonPropertyName("tokens_today")] LimitUsageView TokensToday,
    [property: JsonPropertyName("concurrent_streams")] LimitUsageView ConcurrentStreams)
{
    public static ScopeUsageView From(QuotaReadings readings, LimitScope scope) => new(
        LimitUsageView.From(readings[scope, LimitKind.RequestsPerMinute], countedWithoutLimit: false),
        LimitUsageView.From(readings[scope, LimitKind.TokensPerMinute], countedWithoutLimit: false),
        LimitUsageView.From(readings[scope, LimitKind.TokensPerDay], countedWithoutLimit: true),
        LimitUsageView.From(readings[scope, LimitKind.ConcurrentStreams], countedWithoutLimit: true));
}
