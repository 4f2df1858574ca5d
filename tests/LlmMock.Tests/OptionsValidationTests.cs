using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.Tests;

/// <summary>Bad configuration stops the mock at start-up with every problem in one message.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task BadSettings_StopStartUp_ListingEveryProblem()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mock:TimeToFirstTokenMs"] = "-5",
            ["Mock:DefaultCompletionTokens"] = "100",
            ["Mock:MaxCompletionTokens"] = "50",
            ["Mock:Faults:Status500Rate"] = "0.7",
            ["Mock:Faults:AbortRate"] = "0.6",
            ["Mock:Faults:StallRate"] = "-0.1",
            ["Mock:RequiredApiKey"] = " sk-with-space ",
        };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => MockServer.StartAsync(settings));

        Assert.Contains(error.Failures, f => f.Contains("Mock:TimeToFirstTokenMs", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Mock:DefaultCompletionTokens", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("add up to", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("StallRate", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Mock:RequiredApiKey", StringComparison.Ordinal));
        Assert.DoesNotContain("sk-with-space", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_AreValid()
    {
        Assert.True(new MockOptionsValidator().Validate(null, new MockOptions()).Succeeded);
    }
}
