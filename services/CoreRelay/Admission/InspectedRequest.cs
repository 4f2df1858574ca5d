namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// What <see cref="RequestInspectionMiddleware"/> learnt about a request: whose key it carries and
/// what its body asks for. Read by <see cref="AuthorizationMiddleware"/>.
/// </summary>
public sealed class InspectedRequest(string keyHash, ChatRequestSummary summary, bool askedUsageForClient)
{
    /// <summary>SHA-256 of the caller's API key: the key itself is never kept.</summary>
    public string KeyHash { get; } = keyHash;

    public ChatRequestSummary Summary { get; } = summary;

    /// <summary>The core added <c>stream_options.include_usage</c>: the origin's usage chunk must not reach the client.</summary>
    public bool AskedUsageForClient { get; } = askedUsageForClient;
}
