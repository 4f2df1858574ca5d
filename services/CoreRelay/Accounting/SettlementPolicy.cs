namespace AiCdn.CoreRelay.Accounting;

/// <summary>
/// What a finished request is charged: the charging table of docs/auth-quota.md, as one pure
/// function. A success: the request and the origin's usage (or, without usage, the prompt as
/// counted and the completion tokens relayed). A refusal the client caused (an origin 4xx other
/// than 429): the request, no tokens; the origin still served it. A client that left after the
/// origin had the whole request: the request, the prompt and whatever was relayed. Everything else
/// (unreachable, 5xx, the origin's own 429) is the origin's failure, not the client's: refunded.
/// </summary>
public static class SettlementPolicy
{
    public static Settlement Decide(RelayAccounting accounting, int countedPromptTokens, bool clientGone, bool originHadRequest)
    {
        var status = accounting.OriginStatus;
        var forwarded = status is >= 200 and < 300
            || (status is >= 400 and < 500 && status != 429)
            || (status == 0 && originHadRequest);
        if (!forwarded)
        {
            return new Settlement(false, 0, 0, status == 0 ? SettlementOutcomes.OriginUnreachable : SettlementOutcomes.OriginError);
        }

        if (status >= 400)
        {
            return new Settlement(true, 0, 0, SettlementOutcomes.OriginRejected);
        }

        if (accounting.OriginUsage is { } usage)
        {
            return new Settlement(true, usage.PromptTokens, usage.CompletionTokens,
                accounting.RelayFailure ?? (clientGone ? SettlementOutcomes.ClientDisconnected : SettlementOutcomes.Completed));
        }

        // No usage from the origin (it died, stalled, or the client left first): the prompt as
        // counted and the completion tokens actually relayed.
        return new Settlement(true, countedPromptTokens, accounting.RelayedCompletionTokens,
            accounting.RelayFailure ?? (clientGone ? SettlementOutcomes.ClientDisconnected : SettlementOutcomes.CompletedWithoutUsage));
    }

    /// <summary>The <c>result</c> label of the request metric for an outcome.</summary>
    public static string Result(string outcome) => outcome switch
    {
        SettlementOutcomes.Completed or SettlementOutcomes.CompletedWithoutUsage => "ok",
        SettlementOutcomes.ClientDisconnected => "client_disconnected",
        SettlementOutcomes.OriginError or SettlementOutcomes.OriginUnreachable => "origin_error",
        SettlementOutcomes.OriginRejected => "origin_rejected",
        SseEventReader.QuotaExhausted => "quota_exhausted",
        _ => "upstream_failed",
    };
}
