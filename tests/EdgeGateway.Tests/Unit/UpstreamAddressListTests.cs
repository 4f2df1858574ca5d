using AiCdn.Forwarding.Configuration;

namespace AiCdn.EdgeGateway.Tests.Unit;

/// <summary>Both hops read their next hops' addresses the same way; only the rules each passes differ.</summary>
public sealed class UpstreamAddressListTests
{
    private static readonly UpstreamAddressRules s_hosts = new() { Setting = "Test:Hosts (HOSTS)", Noun = "host" };

    private static readonly UpstreamAddressRules s_withPort = new()
    {
        Setting = "Test:Origins (ORIGINS)",
        Noun = "origin",
        DefaultPort = 8000,
        HttpsPort = 443,
        AllowPath = true,
    };

    [Fact]
    public void TryParse_List_EveryAddressInOrder()
    {
        Assert.True(UpstreamAddressList.TryParse(" a:1 , ,http://b:2,https://c ", s_hosts, out var addresses, out var error));

        Assert.Null(error);
        Assert.Equal(["http://a:1/", "http://b:2/", "https://c/"], addresses.Select(a => a.ToString()));
    }

    [Theory]
    [InlineData("llm", "http://llm:8000/")]
    [InlineData("llm:9000", "http://llm:9000/")]
    [InlineData("api.example.com:443", "https://api.example.com/")]
    [InlineData("[::1]", "http://[::1]:8000/")]
    [InlineData("[::1]:9000", "http://[::1]:9000/")]
    [InlineData("https://gateway.example/openai", "https://gateway.example/openai")]
    public void TryParse_HostForms_TakeTheDefaultPortAndTlsOn443(string item, string expected)
    {
        Assert.True(UpstreamAddressList.TryParse(item, s_withPort, out var addresses, out _));

        Assert.Equal(expected, Assert.Single(addresses).ToString());
    }

    [Theory]
    [InlineData("core", "http://core/")]
    [InlineData("core:443", "http://core:443/")]
    public void TryParse_NoDefaultPort_TheDefaultSchemeWhateverThePort(string item, string expected)
    {
        Assert.True(UpstreamAddressList.TryParse(item, s_hosts, out var addresses, out _));

        Assert.Equal(expected, Assert.Single(addresses).ToString());
    }

    [Fact]
    public void TryParse_DefaultSchemeHttps_HostsAreReachedOverTls()
    {
        var rules = new UpstreamAddressRules { Setting = "S", Noun = "core", DefaultScheme = "https" };

        Assert.True(UpstreamAddressList.TryParse("core:8443", rules, out var addresses, out _));

        Assert.Equal("https://core:8443/", Assert.Single(addresses).ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" , ")]
    public void TryParse_Nothing_OneIsRequired(string? value)
    {
        Assert.False(UpstreamAddressList.TryParse(value, s_withPort, out _, out var error));

        Assert.Equal("Test:Origins (ORIGINS): at least one origin is required.", error);
    }

    [Theory]
    [InlineData("ftp://files")]
    [InlineData("a b")]
    [InlineData("http://")]
    public void TryParse_NotAnAddress_NamesTheSettingAndTheItem(string item)
    {
        Assert.False(UpstreamAddressList.TryParse($"good:1,{item}", s_withPort, out _, out var error));

        Assert.Equal($"Test:Origins (ORIGINS): '{item}' is neither an http(s) URL nor host[:port].", error);
    }

    [Theory]
    [InlineData("http://core/v1")]
    [InlineData("http://core/?x=1")]
    public void TryParse_PathWherePathsAreRefused_Refused(string item)
    {
        Assert.False(UpstreamAddressList.TryParse(item, s_hosts, out _, out var error));

        Assert.Equal($"Test:Hosts (HOSTS): '{item}' has a path; give the host's scheme, host and port only.", error);
    }

    [Theory]
    [InlineData("https://gateway.example/openai?key=1")]
    [InlineData("llm:9000?key=1")]
    public void TryParse_QueryWherePathsAreAllowed_Refused(string item)
    {
        Assert.False(UpstreamAddressList.TryParse(item, s_withPort, out _, out var error));

        Assert.Equal($"Test:Origins (ORIGINS): '{item}' has a query; give the origin's URL without one.", error);
    }
}
