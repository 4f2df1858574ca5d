using AiCdn.Common.Hosting;
using AiCdn.EdgeGateway.Hosting;

namespace AiCdn.EdgeGateway.Tests.Unit;

/// <summary>MAX_CONNECTIONS is held below what the process may open, so a flood is refused instead of taking the edge down.</summary>
public sealed class ConnectionLimitsTests
{
    private const string Limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max open files            20000                20000                files
        Max locked memory         8388608              8388608              bytes
        """;

    [Fact]
    public void Parse_ProcSelfLimits_SoftOpenFiles()
    {
        Assert.Equal(20000, OpenFileLimit.Parse(Limits));
        Assert.Null(OpenFileLimit.Parse(Limits.Replace("20000                20000", "unlimited            unlimited", StringComparison.Ordinal)));
        Assert.Null(OpenFileLimit.Parse("Max cpu time unlimited unlimited seconds"));
    }

    [Fact]
    public void Read_ThisProcess_MatchesTheKernelsAnswer()
    {
        if (!File.Exists("/proc/self/limits"))
        {
            Assert.Null(OpenFileLimit.Read());
            return;
        }

        Assert.Equal(OpenFileLimit.Parse(File.ReadAllText("/proc/self/limits")), OpenFileLimit.Read());
    }

    [Theory]
    [InlineData(20_000, 1, 19_600)]
    [InlineData(20_000, 2, 9_800)]
    [InlineData(1_024, 1, 768)]
    [InlineData(1_048_576, 1, 1_027_605)]
    [InlineData(100, 1, 64)]
    public void ConnectionBudget_KeepsAReserveForEverythingElse(long limit, int perConnection, long expected)
    {
        Assert.Equal(expected, OpenFileLimit.ConnectionBudget(limit, perConnection));
    }

    [Fact]
    public void For_OpenFilesBelowMaxConnections_LowersBothLimits()
    {
        var limits = ConnectionLimits.For(new EdgeOptions { CoreTransport = "h2c" }, openFiles: 20_000);

        Assert.Equal(19_600, limits.Hard);
        Assert.Equal(19_600 - 19_600 / 11, limits.Soft);
        Assert.True(limits.LoweredFrom(100_000));
    }

    [Fact]
    public void For_Http1LinkToTheCores_TwoDescriptorsPerConnection()
    {
        var limits = ConnectionLimits.For(new EdgeOptions { CoreTransport = "http1" }, openFiles: 20_000);

        Assert.Equal(9_800, limits.Hard);
        Assert.True(limits.Soft < 9_800);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1_048_576L)]
    public void For_EnoughOpenFiles_MaxConnectionsAsConfigured(long? openFiles)
    {
        var options = new EdgeOptions();
        options.Limits.MaxConnections = 50_000;

        var limits = ConnectionLimits.For(options, openFiles);

        Assert.Equal(50_000, limits.Soft);
        Assert.Equal(ConnectionGate.HardLimit(50_000), limits.Hard);
        Assert.False(limits.LoweredFrom(50_000));
    }
}
