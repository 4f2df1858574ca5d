namespace AiCdn.Common.Quota;

/// <summary>auth-quota's internal endpoints, called by core-relay only (cluster signature required).</summary>
public static class QuotaRoutes
{
    public const string Authorize = "/internal/v1/authorize";
    public const string Settle = "/internal/v1/settle";

    /// <summary>
    /// Whether a key is valid now (POST <c>{"key_hash"}</c>, answers a <see cref="KeyCheckResult"/>):
    /// asked before work that grows with a request's body, reserves nothing.
    /// </summary>
    public const string KeyCheck = "/internal/v1/keys/check";

    /// <summary>
    /// A key's decision context (POST <c>{"key_hash"}</c>): what core-relay needs to decide for this key
    /// against Redis itself. 401 <c>invalid_api_key</c> for a key that does not exist, 409 when auth-quota keeps its counters
    /// in memory (there is no shared store to decide against).
    /// </summary>
    public const string KeyContext = "/internal/v1/keys/context";

    /// <summary>
    /// Route template of the lease renewal: a stream that outlives the reservation TTL keeps its
    /// concurrent-stream lease by renewing it (POST, no body; 204, or 404 when the reservation is gone).
    /// </summary>
    public const string RenewTemplate = "/internal/v1/reservations/{reservationId}/renew";

    /// <summary>
    /// The renewal path of one reservation (sign exactly this path). Reservation ids are 1 to 128
    /// of <c>A-Z a-z 0-9 . _ : -</c>, all legal in a path segment as they are, so the path the
    /// caller signs is the path auth-quota verifies.
    /// </summary>
    public static string Renew(string reservationId) => $"/internal/v1/reservations/{reservationId}/renew";

    /// <summary>
    /// Route template of a reservation's extension (POST an <see cref="ExtendRequest"/>): a stream
    /// without a completion limit asks for more tokens as it runs past its reservation.
    /// </summary>
    public const string ExtendTemplate = "/internal/v1/reservations/{reservationId}/extend";

    /// <summary>The extension path of one reservation (sign exactly this path; see <see cref="Renew"/>).</summary>
    public static string Extend(string reservationId) => $"/internal/v1/reservations/{reservationId}/extend";
}
