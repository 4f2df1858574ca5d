using System.Text;
using AiCdn.EdgeGateway.Streaming;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class SseBoundaryScannerTests
{
    [Theory]
    [InlineData("data: a\n\n", true)]
    [InlineData("data: a\r\n\r\n", true)]
    [InlineData("data: a\r\r", true)]
    [InlineData("data: a\n", false)]
    [InlineData("data: a\r\n", false)]
    [InlineData("data: a\n\ndata: b", false)]
    [InlineData("data: a\n\ndata: b\n", false)]
    [InlineData(": comment\n\n", true)]
    [InlineData("data: a\ndata: b\n\n", true)]
    public void Advance_WholeText_ReportsBoundary(string text, bool atBoundary)
    {
        var scanner = SseBoundaryScanner.Start;
        scanner.Advance(Encoding.UTF8.GetBytes(text));
        Assert.Equal(atBoundary, scanner.AtBoundary);
    }

    [Theory]
    [InlineData("data: a\r\n\r\n")]
    [InlineData("data: {\"x\":1}\n\ndata: [DONE]\n\n")]
    [InlineData("event: e\ndata: a\r\rdata: b\r\n\r\n")]
    public void Advance_EverySplit_SameStateAsWhole(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var scanner = SseBoundaryScanner.Start;
            scanner.Advance(bytes.AsSpan(0, split));
            scanner.Advance(bytes.AsSpan(split));
            Assert.True(scanner.AtBoundary, $"split at {split}");
        }
    }

    [Fact]
    public void Start_NothingSent_IsBoundary()
    {
        Assert.True(SseBoundaryScanner.Start.AtBoundary);
    }

    [Fact]
    public void AdvanceToBoundary_InsideEvent_ReturnsBytesThroughBlankLine()
    {
        var scanner = SseBoundaryScanner.Start;
        scanner.Advance("data: first"u8);

        var end = scanner.AdvanceToBoundary(" part\n\ndata: second\n\n"u8);

        Assert.Equal(" part\n\n".Length, end);
        Assert.True(scanner.AtBoundary);
    }

    [Fact]
    public void AdvanceToBoundary_AlreadyAtBoundary_ReturnsZero()
    {
        var scanner = SseBoundaryScanner.Start;
        scanner.Advance("data: a\n\n"u8);

        Assert.Equal(0, scanner.AdvanceToBoundary("data: b\n\n"u8));
    }

    [Fact]
    public void AdvanceToBoundary_NoBoundaryInChunk_ReturnsMinusOne()
    {
        var scanner = SseBoundaryScanner.Start;
        scanner.Advance("data: a"u8);

        Assert.Equal(-1, scanner.AdvanceToBoundary("bc\n"u8));
        Assert.False(scanner.AtBoundary);
        Assert.Equal(1, scanner.AdvanceToBoundary("\n"u8));
    }
}
