namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// What the relay learnt from the origin's response while passing it on: the origin's usage, the
/// content tokens relayed, whether it finished, and how it failed if it did.
/// Written by the relay stream, read once by admission when it settles the reservation.
/// </summary>
public sealed class RelayAccounting
{
    /// <summary>Status of the origin response that reached the client (0 when none did).</summary>
    public int OriginStatus { get; set; }

    /// <summary>The last usage the origin reported (stream usage chunk, Responses usage, or the JSON body's usage).</summary>
    public TokenUsage? OriginUsage { get; set; }

    /// <summary>Completion tokens counted from the content events relayed so far.</summary>
    public int RelayedCompletionTokens { get; set; }

    /// <summary>The stream ended with <c>[DONE]</c>.</summary>
    public bool DoneSeen { get; set; }

    /// <summary>The origin itself sent an error event mid-stream.</summary>
    public bool OriginErrorEvent { get; set; }

    /// <summary>The error code of the SSE error event the core generated, when the origin failed mid-stream.</summary>
    public string? RelayFailure { get; set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the first content token was relayed, 0 before.</summary>
    public long FirstContentTimestamp { get; set; }

    /// <summary>The core's response was SSE.</summary>
    public bool IsEventStream { get; set; }

    /// <summary>The prompt's tokens as the core counted them (what a stream without the origin's usage is charged for its prompt).</summary>
    public int CountedPromptTokens { get; init; }

    /// <summary>Set when the request named no completion limit: the stream asks for more tokens as it runs past its reservation.</summary>
    public TokenBudget? Budget { get; set; }

    /// <summary>
    /// What the stream would be charged if it ended now: the origin's usage once reported, else the
    /// prompt as counted and the completion tokens relayed (as <see cref="SettlementPolicy"/> decides
    /// for a stream cut short).
    /// </summary>
    public TokenUsage UsageSoFar => OriginUsage ?? new TokenUsage(CountedPromptTokens, RelayedCompletionTokens);
}
