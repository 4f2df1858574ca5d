using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Tests;

/// <summary>The core's key-context lifetimes are checked at start-up, with every problem named at once.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public void Defaults_AreValid() =>
        Assert.True(new CoreRelayOptionsValidator().Validate(null, new CoreRelayOptions()).Succeeded);

    [Theory]
    [InlineData("00:00:00", "00:01:00", "CoreRelay:KeyContextTtl")]
    [InlineData("00:00:01.5", "00:01:00", "CoreRelay:KeyContextTtl")]
    [InlineData("00:00:00.5", "00:00:00.2", "CoreRelay:KeyContextMaxAge")]
    [InlineData("00:00:00.5", "01:00:01", "CoreRelay:KeyContextMaxAge")]
    public void KeyContextLifetimes_OutOfBounds_Refused(string ttl, string maxAge, string named)
    {
        var options = new CoreRelayOptions { KeyContextTtl = TimeSpan.Parse(ttl, System.Globalization.CultureInfo.InvariantCulture), KeyContextMaxAge = TimeSpan.Parse(maxAge, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new CoreRelayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(named, StringComparison.Ordinal));
    }

    [Fact]
    public void MaxAgeEqualToTheTtl_Valid_ShortTtlAlone()
    {
        var options = new CoreRelayOptions { KeyContextTtl = TimeSpan.FromMilliseconds(500), KeyContextMaxAge = TimeSpan.FromMilliseconds(500) };

        Assert.True(new CoreRelayOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void OverloadTargetNegative_Refused()
    {
        var options = new CoreRelayOptions();
        options.Overload.QueueDelayTarget = TimeSpan.FromMilliseconds(-1);

        var result = new CoreRelayOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.StartsWith("CoreRelay:Overload:QueueDelayTarget (OVERLOAD_QUEUE_DELAY)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DurationVariables_TakeTheSameSyntaxAsTheEdge()
    {
        // Was double.Parse: "90s" stopped the core at start-up.
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core =
            {
                ["RESUME_GRACE_SECONDS"] = "90s",
                ["KEY_CONTEXT_MAX_AGE_SECONDS"] = "2m",
                ["CoreRelay:Overload:QueueDelayTarget"] = null,
                ["OVERLOAD_QUEUE_DELAY"] = "40ms",
            },
        });

        var options = chain.Core.Services.GetRequiredService<IOptions<CoreRelayOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(90), options.Resumable.GracePeriod);
        Assert.Equal(TimeSpan.FromMinutes(2), options.KeyContextMaxAge);
        Assert.Equal(TimeSpan.FromMilliseconds(40), options.Overload.QueueDelayTarget);
    }
}
