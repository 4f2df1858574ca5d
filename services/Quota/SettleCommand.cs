namespace AiCdn.Quota;

/// <summary>
/// Replace a reservation's token estimate with <see cref="Tokens"/> actually used, or give the
/// request and its estimate back when the work was not <see cref="Forwarded"/>; always release the
/// stream lease. <see cref="Remember"/> is how long a settled reservation is remembered so that a
/// repeated settle is a no-op. <see cref="Tenant"/> and <see cref="KeyId"/> are where the caller
/// says the reservation is (a hint a store may use to find it without a lookup; never trusted alone).
/// <see cref="Cancel"/>: the caller gave up on a decision whose outcome it does not know; with
/// <see cref="Tenant"/> and <see cref="KeyId"/>, a reservation not made yet is never made.
/// </summary>
public sealed record SettleCommand(
    string ReservationId, long Tokens, bool Forwarded, DateTimeOffset Now, TimeSpan Remember, string? Tenant = null, string? KeyId = null, bool Cancel = false);
