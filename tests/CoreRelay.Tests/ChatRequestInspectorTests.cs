using System.Text;
using AiCdn.CoreRelay.Admission;

namespace AiCdn.CoreRelay.Tests;

public sealed class ChatRequestInspectorTests
{
    [Fact]
    public void TryInspect_ChatRequest_ReadsTheFieldsAdmissionNeeds()
    {
        var body = """
            {"model":"mock-gpt","temperature":0.2,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
             "messages":[{"role":"system","content":"be brief"},{"role":"user","name":"ann","content":[{"type":"text","text":"hello "},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"there"}]}],
             "stream":true,"stream_options":{"include_usage":true},"max_tokens":7,"max_completion_tokens":9}
            """;

        Assert.True(ChatRequestInspector.TryInspect(Encoding.UTF8.GetBytes(body), out var summary, out _));

        Assert.Equal("mock-gpt", summary.Model);
        Assert.True(summary.Stream);
        Assert.True(summary.IncludeUsage);
        Assert.Equal(9, summary.MaxTokens);
        Assert.Equal(2, summary.Messages.Count);
        Assert.Equal("hello there", summary.Messages[1].Content);
        Assert.Equal("ann", summary.Messages[1].Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{} {}")]
    [InlineData("{\"model\":}")]
    public void TryInspect_NotAJsonObject_Fails(string body)
    {
        Assert.False(ChatRequestInspector.TryInspect(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
