using AiCdn.CoreRelay.Telemetry;

namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// The completion tokens a stream that set no completion limit (<c>max_tokens</c> and its kin) may
/// relay: what its reservation holds for the completion, grown a block at a time as the stream runs
/// past it. The origin may generate up to the model's maximum, far more than the default estimate;
/// without this, such streams overran their key's token limits by everything past the estimate
/// (settlement charged it, but after the fact). Each block is charged to the key and its tenant
/// only if their token limits have room for it; when they do not, the stream ends with an error
/// event before the first content token the key cannot pay for (docs/auth-quota.md).
/// </summary>
public sealed class TokenBudget(long completionAllowance, int block, Func<long, CancellationToken, Task<ExtensionResult>> extend, CoreRelayMetrics metrics)
{
    /// <summary>Completion tokens the reservation covers now.</summary>
    public long CompletionAllowance { get; private set; } = completionAllowance;

    /// <summary>Whether relaying <paramref name="more"/> content tokens after <paramref name="relayed"/> stays within the reservation.</summary>
    public bool Covers(long relayed, int more) => relayed + more <= CompletionAllowance;

    /// <summary>
    /// Asks for enough tokens to relay <paramref name="more"/> after <paramref name="relayed"/>, a
    /// block at least. False when refused: the stream must end here. A store or auth-quota that
    /// does not answer is no refusal: the stream goes on, and the settlement still charges it all.
    /// </summary>
    public async ValueTask<bool> ExtendAsync(long relayed, int more, CancellationToken cancellationToken)
    {
        var needed = Math.Max(block, relayed + more - CompletionAllowance);
        var result = await extend(needed, cancellationToken);
        metrics.QuotaExtension(result);
        if (result == ExtensionResult.Refused)
        {
            return false;
        }

        CompletionAllowance += needed;
        return true;
    }
}
