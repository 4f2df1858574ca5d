using System.Text;
using System.Text.Json;
using AiCdn.CoreRelay.Admission;

namespace AiCdn.CoreRelay.Tests;

public sealed class RequestBodyRewriterTests
{
    [Theory]
    [InlineData("""{"model":"m","stream":true}""", """{"model":"m","stream":true,"stream_options":{"include_usage":true}}""")]
    [InlineData("""{"stream_options":{"include_usage":false,"x":1},"model":"m"}""", """{"stream_options":{"x":1,"include_usage":true},"model":"m"}""")]
    [InlineData("""{"stream_options":null,"model":"m"}""", """{"model":"m","stream_options":{"include_usage":true}}""")]
    [InlineData("""{ "model" : "m\u00e9" , "n":1.50e1 }""", """{"model" : "m\u00e9","n":1.50e1,"stream_options":{"include_usage":true}}""")]
    public void WithIncludeUsage_AddsOnlyIncludeUsage(string body, string expected)
    {
        var rewritten = Encoding.UTF8.GetString(RequestBodyRewriter.WithIncludeUsage(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(expected, rewritten);
        using var json = JsonDocument.Parse(rewritten);
        Assert.True(json.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }
}
