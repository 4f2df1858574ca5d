namespace AiCdn.CoreRelay.Accounting;

/// <summary>The answer to a stream's request for more tokens on its reservation.</summary>
public enum ExtensionResult
{
    Extended,

    /// <summary>A token limit of the key or its tenant has no room: the stream must end.</summary>
    Refused,

    /// <summary>Neither Redis nor auth-quota answered, or the reservation is gone: the stream goes on (fails open).</summary>
    Unknown,
}
