using AiCdn.Quota;

namespace AiCdn.AuthQuota;

/// <summary>Limits as configured (<c>AuthQuota:DefaultLimits</c>, <c>AuthQuota:Tenants:&lt;name&gt;</c>). Unset means no limit.</summary>
public sealed class LimitsOptions
{
    public long? RequestsPerMinute { get; set; }

    public long? TokensPerMinute { get; set; }

    public long? TokensPerDay { get; set; }

    public long? MaxConcurrentStreams { get; set; }

    public KeyLimits ToLimits() => new(RequestsPerMinute, TokensPerMinute, TokensPerDay, MaxConcurrentStreams);
}
