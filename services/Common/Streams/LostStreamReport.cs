namespace AiCdn.Common.Streams;

/// <summary>
/// edge → any core: the core that held a resumable stream is gone (it refused the resume, no longer
/// had the stream, or did not come back within the resume timeout), so nobody else will settle the
/// stream's reservation. The edge reports the usage carried by the id of the last event its client
/// received whole (<see cref="StreamId.TryParseEventUsage"/>), or the prompt alone when none had
/// arrived. The receiving core settles the reservation with it; a reservation already settled (the
/// lost core settled it after all) stays as it was.
/// </summary>
/// <param name="ReservationId">The attempt name the edge sent the request under (<see cref="Routing.CoreAttempt"/>).</param>
public sealed record LostStreamReport(string ReservationId, int PromptTokens, int CompletionTokens)
{
    /// <summary>The core's route for it: outside <c>/v1</c>, so no client request can be relayed there.</summary>
    public const string Route = "/internal/v1/streams/lost";
}
