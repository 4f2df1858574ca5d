using System.Net;
using AiCdn.EdgeGateway.Protection;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class ClientAddressesTests
{
    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("::ffff:192.0.2.10", "192.0.2.10")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::")]
    [InlineData("::1", "::1")]
    public void PartitionKey_Address_GroupsAsDocumented(string address, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), ClientAddresses.PartitionKey(IPAddress.Parse(address)));
    }

    [Fact]
    public void PartitionKey_NoAddress_IsUnknown()
    {
        Assert.Equal(ClientAddresses.Unknown, ClientAddresses.PartitionKey(null));
    }

    [Fact]
    public void TryParseNetworks_AddressesAndCidrs_Parsed()
    {
        Assert.True(ClientAddresses.TryParseNetworks("10.0.0.0/8, 192.0.2.7,2001:db8::/32", out var networks, out _));
        Assert.Equal(3, networks.Count);
        Assert.True(networks[1].Contains(IPAddress.Parse("192.0.2.7")));
        Assert.False(networks[1].Contains(IPAddress.Parse("192.0.2.8")));
    }

    [Fact]
    public void TryParseNetworks_Garbage_ReportsTheItem()
    {
        Assert.False(ClientAddresses.TryParseNetworks("10.0.0.0/8, proxy.example", out _, out var error));
        Assert.Contains("proxy.example", error);
    }
}
