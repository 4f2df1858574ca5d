using System.Text;
using AiCdn.CoreRelay.Admission;
using Microsoft.AspNetCore.Http;

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

    [Theory]
    [InlineData("""{"model":"m"}""", 1)]
    [InlineData("""{"model":"m","n":4}""", 4)]
    [InlineData("""{"model":"m","n":2,"best_of":5}""", 5)]
    [InlineData("""{"model":"m","n":128}""", 128)]
    [InlineData("""{"model":"m","n":null,"best_of":null}""", 1)]
    public void TryInspect_NAndBestOf_ChoicesIsHowManyCompletionsTheOriginGenerates(string body, int choices)
    {
        Assert.True(ChatRequestInspector.TryInspect(Encoding.UTF8.GetBytes(body), out var summary, out _));
        Assert.Equal(choices, summary.Choices);
        Assert.Null(summary.OutOfRange);
    }

    [Theory]
    [InlineData("""{"model":"m","n":0}""", "n")]
    [InlineData("""{"model":"m","n":-3}""", "n")]
    [InlineData("""{"model":"m","n":129}""", "n")]
    [InlineData("""{"model":"m","n":2147483647}""", "n")]
    [InlineData("""{"model":"m","best_of":0}""", "best_of")]
    [InlineData("""{"model":"m","n":2,"best_of":-1}""", "best_of")]
    [InlineData("""{"model":"m","max_tokens":0,"n":0}""", "max_tokens")]
    public void TryInspect_NOrBestOfOutOfRange_NamesTheField(string body, string param)
    {
        Assert.True(ChatRequestInspector.TryInspect(Encoding.UTF8.GetBytes(body), out var summary, out _));

        Assert.Equal(param, summary.OutOfRange?.Param);
        Assert.StartsWith($"Invalid '{param}': integer ", summary.OutOfRange!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInspect_InputArrays_EveryTextAndEveryTokenIdCounts()
    {
        Assert.True(ChatRequestInspector.TryInspect("""{"model":"e","input":["one two","three",[1,2,3],4]}"""u8, out var summary, out _));
        Assert.Equal(["one two", "three"], summary.Messages.Select(m => m.Content));
        Assert.Equal(4, summary.PromptTokenIds);

        Assert.True(ChatRequestInspector.TryInspect("""{"model":"c","prompt":["a","b"],"max_tokens":5}"""u8, out var legacy, out _));
        Assert.Equal(["a", "b"], legacy.Messages.Select(m => m.Content));
        Assert.Equal(5, legacy.MaxTokens);

        Assert.True(ChatRequestInspector.TryInspect("""{"model":"r","input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]}]}"""u8, out var responses, out _));
        Assert.Equal("hi", Assert.Single(responses.Messages).Content);
    }

    [Fact]
    public void TryInspect_ToolsAndToolCalls_TheirTextIsCollectedForThePrompt()
    {
        Assert.True(ChatRequestInspector.TryInspect("""
            {"model":"m","tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "messages":[{"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]}]}
            """u8, out var summary, out _));

        Assert.Equal(2, summary.ToolText.Count);
        Assert.Contains("Weather now", summary.ToolText[0], StringComparison.Ordinal);
        Assert.Contains("city", summary.ToolText[0], StringComparison.Ordinal);
        Assert.Contains("{\"city\":\"Oslo\"}", summary.ToolText[1], StringComparison.Ordinal);
        Assert.Single(summary.Messages);
    }

    [Fact]
    public void TryInspect_ImageParts_CountedByThePart()
    {
        Assert.True(ChatRequestInspector.TryInspect("""
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"two"},{"type":"image_url","image_url":{"url":"data:,"}},{"type":"image_url","image_url":{"url":"x","detail":"low"}}]}]}
            """u8, out var chat, out _));
        Assert.True(ChatRequestInspector.TryInspect("""
            {"model":"r","input":[{"role":"user","content":[{"type":"input_text","text":"one"},{"type":"input_image","image_url":"https://example.com/a.png"}]}]}
            """u8, out var responses, out _));

        Assert.Equal(2, chat.ImageParts);
        Assert.Equal("two", chat.Messages[0].Content);
        Assert.Equal(1, responses.ImageParts);
    }

    [Fact]
    public void TryInspect_AudioParts_EstimatedFromTheSizeOfTheirData()
    {
        // 128,000 base64 characters are 96,000 bytes: 3 s of 16 kHz 16-bit mono, 30 tokens.
        var threeSeconds = new string('A', 128_000);
        var body = $$$"""
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is said?"},
              {"type":"input_audio","input_audio":{"format":"wav","data":"{{{threeSeconds}}}"}},
              {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}
            """;

        Assert.True(ChatRequestInspector.TryInspect(Encoding.UTF8.GetBytes(body), out var summary, out _));

        // The tiny part counts one token: many of them cannot pass as nothing.
        Assert.Equal(30 + 1, summary.AudioTokens);
        Assert.Equal("what is said?", summary.Messages[0].Content);
        Assert.Equal(0, summary.ImageParts);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 1)]
    [InlineData(128_000, 30)]
    [InlineData(128_004, 31)]
    [InlineData(100_000_000, 23_438)]
    public void ForAudio_TenTokensPerSecondOfSixteenKilohertzMonoWav(long base64Length, long tokens)
    {
        Assert.Equal(tokens, TokenEstimate.ForAudio(base64Length));
    }

    [Fact]
    public void TryInspect_ToolsTwice_Fails()
    {
        Assert.False(ChatRequestInspector.TryInspect("""{"model":"m","tools":[],"tools":[{"description":"x"}]}"""u8, out _, out var error));
        Assert.Contains("tools", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInspect_InvalidJson_ErrorSaysWhereNotWhatTheParserSaid()
    {
        Assert.False(ChatRequestInspector.TryInspect("""{"model":"""u8, out _, out var error));

        Assert.Contains("line 1, byte", error);
        Assert.DoesNotContain("LineNumber", error);
        Assert.DoesNotContain("Expected", error);
    }

    [Fact]
    public void EstimateTokens_EachChoiceAtItsLimit_EmbeddingsOnlyTheirInput_ClampedNotOverflowing()
    {
        var chat = new ChatRequestSummary { MaxTokens = 30, Choices = 128 };
        Assert.Equal(8 + (30 * 128), TokenEstimate.For(chat, 8, new PathString("/v1/chat/completions"), 1024));

        var noLimit = new ChatRequestSummary { Choices = 2 };
        Assert.Equal(8 + 2048, TokenEstimate.For(noLimit, 8, new PathString("/v1/chat/completions"), 1024));

        var embeddings = new ChatRequestSummary();
        Assert.Equal(16, TokenEstimate.For(embeddings, 16, new PathString("/v1/embeddings"), 1024));

        var nothing = new ChatRequestSummary();
        Assert.Equal(0, TokenEstimate.For(nothing, 0, new PathString("/v1/models"), 1024));

        var absurd = new ChatRequestSummary { MaxTokens = int.MaxValue, Choices = int.MaxValue };
        Assert.Equal(int.MaxValue, TokenEstimate.For(absurd, 8, new PathString("/v1/chat/completions"), 1024));
    }
}
