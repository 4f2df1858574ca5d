namespace AiCdn.EdgeGateway.Streaming;

/// <summary>
/// Reopens a resumable stream on the core that holds it, after the events the client has already
/// received: returns the new body, or null when the core no longer has the stream (404, 410).
/// Throws when the core could not be reached, so the caller may try again.
/// </summary>
public delegate Task<Stream?> LinkResumer(string? lastEventId, CancellationToken cancellationToken);
