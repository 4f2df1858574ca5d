namespace AiCdn.CoreRelay.Forwarding;

/// <summary>What <see cref="FailoverMiddleware"/> keeps for one request across its attempts.</summary>
public sealed class OriginRetryState(int maxAttempts)
{
    /// <summary>How many origins this request may be sent to.</summary>
    public int MaxAttempts { get; } = maxAttempts;

    /// <summary>The attempt in flight, which <see cref="RelayTransforms"/> may hold back.</summary>
    public OriginAttempt? Current { get; set; }
}
