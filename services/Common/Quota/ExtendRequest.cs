namespace AiCdn.Common.Quota;

/// <summary>
/// core-relay → auth-quota while a stream runs past its reservation (it set no completion limit):
/// add <see cref="Tokens"/> to the reservation, charged to the key whose digest is
/// <see cref="KeyHash"/>, if every token limit of the key and its tenant has room.
/// 204 extended, 429 <c>rate_limit_exceeded</c> refused, 404 the reservation is gone.
/// </summary>
public sealed record ExtendRequest(string KeyHash, long Tokens);
