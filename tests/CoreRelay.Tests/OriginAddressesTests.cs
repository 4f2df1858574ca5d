using AiCdn.CoreRelay.Forwarding;

namespace AiCdn.CoreRelay.Tests;

/// <summary><c>LLM_SOURCE_HOST</c> takes the original's host forms and full URLs; a bad one stops the core naming the variable.</summary>
public sealed class OriginAddressesTests
{
    [Fact]
    public void Build_OriginalAndUrlForms_BecomeOriginDestinations()
    {
        var options = new CoreRelayOptions { Origins = "llm, api.example.com:443 ,https://gateway.example/openai", OriginPort = 9000 };

        var (_, clusters) = OriginProxyConfig.Build(options);

        var destinations = Assert.Single(clusters).Destinations!;
        Assert.Equal("http://llm:9000/", destinations["origin-0"].Address);
        Assert.Equal("https://api.example.com/", destinations["origin-1"].Address);
        Assert.Equal("https://gateway.example/openai", destinations["origin-2"].Address);
    }

    [Theory]
    [InlineData("", "CoreRelay:Origins (LLM_SOURCE_HOST): at least one origin is required.")]
    [InlineData("llm,ftp://files", "CoreRelay:Origins (LLM_SOURCE_HOST): 'ftp://files' is neither an http(s) URL nor host[:port].")]
    public void Validate_BadOrigins_NamesTheVariable(string origins, string expected)
    {
        var result = new CoreRelayOptionsValidator().Validate(null, new CoreRelayOptions { Origins = origins });

        Assert.Equal(expected, Assert.Single(result.Failures!));
    }
}
