namespace AiCdn.Common.Quota;

/// <summary>
/// core-relay → auth-quota after the response: replace the reservation's estimate by the real usage
/// and release the stream lease. <see cref="Forwarded"/> false means the origin never did the work
/// (for example it was unreachable): the request and its tokens are given back.
/// <see cref="KeyId"/> and <see cref="Tenant"/>, when the caller knows them (from the decision), say
/// where the reservation is: a Redis store then settles in one round trip instead of first looking
/// the reservation up. They are a hint: a reservation not found there is looked up as before.
/// </summary>
public sealed record SettleRequest(
    string ReservationId,
    int PromptTokens,
    int CompletionTokens,
    bool Forwarded,
    string Outcome,
    string? KeyId = null,
    string? Tenant = null,
    bool Cancel = false);
