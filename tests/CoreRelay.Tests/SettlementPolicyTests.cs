using AiCdn.CoreRelay.Accounting;

namespace AiCdn.CoreRelay.Tests;

/// <summary>The charging table of docs/auth-quota.md, row by row.</summary>
public sealed class SettlementPolicyTests
{
    private const int CountedPrompt = 12;

    [Fact]
    public void Decide_Origin2xxWithUsage_ChargesTheOriginsUsage()
    {
        var accounting = new RelayAccounting { OriginStatus = 200, OriginUsage = new TokenUsage(10, 30), RelayedCompletionTokens = 29 };

        var settlement = SettlementPolicy.Decide(accounting, CountedPrompt, clientGone: false, originHadRequest: true);

        Assert.Equal(new Settlement(true, 10, 30, SettlementOutcomes.Completed), settlement);
        Assert.Equal("ok", SettlementPolicy.Result(settlement.Outcome));
    }

    [Fact]
    public void Decide_Origin2xxWithoutUsage_ChargesThePromptAsCountedAndTheTokensRelayed()
    {
        var accounting = new RelayAccounting { OriginStatus = 200, RelayedCompletionTokens = 7 };

        var settlement = SettlementPolicy.Decide(accounting, CountedPrompt, clientGone: false, originHadRequest: true);

        Assert.Equal(new Settlement(true, CountedPrompt, 7, SettlementOutcomes.CompletedWithoutUsage), settlement);
    }

    [Fact]
    public void Decide_ClientLeftMidStream_ChargesWhatWasRelayed()
    {
        var accounting = new RelayAccounting { OriginStatus = 200, RelayedCompletionTokens = 4 };

        var settlement = SettlementPolicy.Decide(accounting, CountedPrompt, clientGone: true, originHadRequest: true);

        Assert.Equal(new Settlement(true, CountedPrompt, 4, SettlementOutcomes.ClientDisconnected), settlement);
        Assert.Equal("client_disconnected", SettlementPolicy.Result(settlement.Outcome));
    }

    [Fact]
    public void Decide_OriginFailedMidStream_ChargesWhatWasRelayedUnderTheFailuresName()
    {
        var accounting = new RelayAccounting { OriginStatus = 200, RelayedCompletionTokens = 5, RelayFailure = "upstream_aborted" };

        var settlement = SettlementPolicy.Decide(accounting, CountedPrompt, clientGone: false, originHadRequest: true);

        Assert.Equal(new Settlement(true, CountedPrompt, 5, "upstream_aborted"), settlement);
        Assert.Equal("upstream_failed", SettlementPolicy.Result(settlement.Outcome));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(422)]
    public void Decide_Origin4xxOtherThan429_CountsTheRequestNoTokens(int status)
    {
        var settlement = SettlementPolicy.Decide(new RelayAccounting { OriginStatus = status }, CountedPrompt, clientGone: false, originHadRequest: true);

        Assert.Equal(new Settlement(true, 0, 0, SettlementOutcomes.OriginRejected), settlement);
    }

    [Fact]
    public void Decide_ClientLeftAfterTheOriginHadTheWholeRequest_ChargesThePrompt()
    {
        var settlement = SettlementPolicy.Decide(new RelayAccounting(), CountedPrompt, clientGone: true, originHadRequest: true);

        Assert.Equal(new Settlement(true, CountedPrompt, 0, SettlementOutcomes.ClientDisconnected), settlement);
    }

    [Theory]
    [InlineData(0, SettlementOutcomes.OriginUnreachable)]
    [InlineData(500, SettlementOutcomes.OriginError)]
    [InlineData(503, SettlementOutcomes.OriginError)]
    [InlineData(429, SettlementOutcomes.OriginError)]
    public void Decide_OriginUnreachable5xxOrItsOwn429_RefundsEverything(int status, string outcome)
    {
        var settlement = SettlementPolicy.Decide(new RelayAccounting { OriginStatus = status }, CountedPrompt, clientGone: false, originHadRequest: false);

        Assert.Equal(new Settlement(false, 0, 0, outcome), settlement);
        Assert.Equal("origin_error", SettlementPolicy.Result(settlement.Outcome));
    }
}
