namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>One way a core can get decisions: over HTTP from auth-quota, or against Redis itself.</summary>
public interface IDecisionClient : IAsyncDisposable
{
    /// <summary>Authorizes one call (taking a stream lease when <paramref name="stream"/>); returns the allowed decision or throws when refused.</summary>
    Task<AiCdn.Common.Quota.AuthorizeDecision> AuthorizeAsync(bool stream);

    /// <summary>Settles the decision's reservation as the core does after a response.</summary>
    Task SettleAsync(AiCdn.Common.Quota.AuthorizeDecision decision);
}
