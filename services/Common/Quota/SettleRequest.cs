namespace AiCdn.Common.Quota;

/// <summary>
/// core-relay → auth-quota after the response: replace the reservation's estimate by the real usage
/// and release the stream lease. <see cref="Forwarded"/> false means the origin never did the work
/// (for example it was unreachable): the request and its tokens are given back.
/// </summary>
public sealed record SettleRequest(
    string ReservationId,
    int PromptTokens,
    int CompletionTokens,
    bool Forwarded,
    string Outcome);
