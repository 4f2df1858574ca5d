namespace AiCdn.Quota;

/// <summary>
/// Add <see cref="Tokens"/> to an open reservation of <see cref="KeyId"/> (tenant <see cref="Tenant"/>),
/// only if every token limit of the key and its tenant (per minute, per day) still has room for
/// them: a stream that set no completion limit asks for more as it runs, so it cannot generate
/// past what its key may use. Requests and stream leases are not touched.
/// </summary>
public sealed record ExtendCommand(
    string ReservationId, string Tenant, string KeyId, long Tokens, KeyLimits KeyLimits, KeyLimits TenantLimits, DateTimeOffset Now);
