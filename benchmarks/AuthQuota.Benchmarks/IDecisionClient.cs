namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>One way a core can get decisions: over HTTP from auth-quota, or against Redis itself.</summary>
public interface IDecisionClient : IAsyncDisposable
{
    /// <summary>Authorizes one call (taking a stream lease when <paramref name="stream"/>); returns the reservation id or throws when refused.</summary>
    Task<string> AuthorizeAsync(bool stream);

    Task SettleAsync(string reservationId);
}
