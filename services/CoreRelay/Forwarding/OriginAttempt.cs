namespace AiCdn.CoreRelay.Forwarding;

/// <summary>
/// One try of one origin. <see cref="FailoverMiddleware"/> creates it before each try (when it was
/// sent, whether another origin may still be tried); <see cref="RelayTransforms"/> holds back an
/// answer another origin may still serve (<see cref="HoldBack"/>); failover then reads how it went.
/// </summary>
public sealed class OriginAttempt(long startTimestamp, bool canRetry)
{
    /// <summary><see cref="TimeProvider.GetTimestamp"/> when this try was sent.</summary>
    public long StartTimestamp { get; } = startTimestamp;

    /// <summary>Another origin may still be tried, so a 5xx or 429 need not reach the client.</summary>
    public bool CanRetry { get; } = canRetry;

    /// <summary>The origin's status when this try was held back (5xx, 429); null when it was not.</summary>
    public int? HeldBackStatus { get; private set; }

    /// <summary>The origin's <c>Retry-After</c> on that answer.</summary>
    public TimeSpan? RetryAfter { get; private set; }

    /// <summary>Nothing of this answer reaches the client: failover tries the next origin.</summary>
    public void HoldBack(int status, TimeSpan? retryAfter)
    {
        HeldBackStatus = status;
        RetryAfter = retryAfter;
    }
}
