using System.Net;
using AiCdn.Quota.Storage;

namespace AiCdn.AuthQuota.Tests;

public sealed class RedisConnectionStringTests
{
    [Fact]
    public void TryParse_AspireStyle_ReadsHostPortAndPassword()
    {
        Assert.True(RedisConnectionString.TryParse("localhost:6380,password=s3cret", out var options, out _));

        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(("localhost", 6380), (endpoint.Host, endpoint.Port));
        Assert.Equal("s3cret", options.Password);
    }

    [Fact]
    public void TryParse_RedisUrl_ReadsUserPasswordDatabaseAndTls()
    {
        Assert.True(RedisConnectionString.TryParse("rediss://quota:p%40ss@cache.internal:6390/2", out var options, out _));

        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(("cache.internal", 6390), (endpoint.Host, endpoint.Port));
        Assert.Equal("quota", options.User);
        Assert.Equal("p@ss", options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.True(options.Ssl);
    }

    [Fact]
    public void TryParse_RedisUrlWithoutPort_Uses6379()
    {
        Assert.True(RedisConnectionString.TryParse("redis://10.0.0.5", out var options, out _));

        Assert.Equal(6379, Assert.IsType<IPEndPoint>(Assert.Single(options.EndPoints)).Port);
    }

    [Theory]
    [InlineData("redis://:topsecret@")]
    [InlineData("password=topsecret")]
    public void TryParse_Invalid_ErrorNeverQuotesTheString(string value)
    {
        Assert.False(RedisConnectionString.TryParse(value, out _, out var error));

        Assert.NotNull(error);
        Assert.DoesNotContain("topsecret", error, StringComparison.Ordinal);
    }
}
