using AiCdn.CoreRelay;

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
}
