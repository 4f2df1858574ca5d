namespace AiCdn.Quota;

/// <summary>What to check and reserve in one atomic step.</summary>
public sealed record ReserveCommand(
    string ReservationId,
    string Tenant,
    string KeyId,
    long Tokens,
    bool Stream,
    KeyLimits KeyLimits,
    KeyLimits TenantLimits,
    DateTimeOffset Now,
    TimeSpan Ttl);
