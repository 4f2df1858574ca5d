using System.Text;
using System.Text.Json;
using AiCdn.EdgeGateway.WebSockets;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class WebSocketMessageTests
{
    [Fact]
    public void TryRead_ChatRequest_StreamsWithUsageAndDropsProtocolFields()
    {
        var message = """{"id":"q1","type":"chat.completion.request","model":"m","messages":[],"stream_options":{"x":1}}"""u8;

        Assert.True(ChatRequestMessages.TryRead(message, out var request, out _));

        Assert.Equal("\"q1\"", request!.Id);
        Assert.False(request.IsCancel);
        using var body = JsonDocument.Parse(request.Body!);
        var root = body.RootElement;
        Assert.False(root.TryGetProperty("id", out _));
        Assert.False(root.TryGetProperty("type", out _));
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(1, root.GetProperty("stream_options").GetProperty("x").GetInt32());
        Assert.Equal("m", root.GetProperty("model").GetString());
    }

    [Fact]
    public void TryRead_NumericIdAndCancel_ReadAsCancel()
    {
        Assert.True(ChatRequestMessages.TryRead("""{"type":"cancel","id":7}"""u8, out var request, out _));
        Assert.True(request!.IsCancel);
        Assert.Equal("7", request.Id);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"id\":{\"x\":1}}")]
    [InlineData("{not json")]
    [InlineData("{\"type\":\"cancel\"}")]
    [InlineData("{\"model\":\"a\",\"model\":\"b\",\"messages\":[]}")]
    [InlineData("{\"id\":\"\\ud800\",\"model\":\"m\",\"messages\":[]}")]
    [InlineData("{\"type\":\"other\"}")]
    [InlineData("{\"model\":\"m\",\"messages\":[]} {}")]
    [InlineData("{\"model\":\"m\",\"messages\":[}")]
    [InlineData("{\"model\":\"m\",\"id\":\"q\",\"id\":\"r\"}")]
    public void TryRead_Invalid_ExplainsWhy(string message)
    {
        Assert.False(ChatRequestMessages.TryRead(Encoding.UTF8.GetBytes(message), out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void TryRead_ValuesCopiedAsTheyStand_WhateverTheirShape()
    {
        var message = """{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"h\u00e9llo"},{}]}],"stream":false,"n":2,"tools":null,"id":12}"""u8;

        Assert.True(ChatRequestMessages.TryRead(message, out var request, out _));

        Assert.Equal("12", request!.Id);
        using var body = JsonDocument.Parse(request.Body!);
        var root = body.RootElement;
        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"h\u00e9llo"},{}]}]""", root.GetProperty("messages").GetRawText());
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.Equal(2, root.GetProperty("n").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("tools").ValueKind);
        Assert.Equal("""{"include_usage":true}""", root.GetProperty("stream_options").GetRawText());
        Assert.Equal(["model", "messages", "n", "tools", "stream", "stream_options"], root.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void TryRead_StreamOptionsGiven_IncludeUsageOverriddenOthersKept()
    {
        Assert.True(ChatRequestMessages.TryRead("""{"model":"m","messages":[],"stream_options":{"include_usage":false,"x":[1]}}"""u8, out var request, out _));

        using var body = JsonDocument.Parse(request!.Body!);
        Assert.Equal("""{"x":[1],"include_usage":true}""", body.RootElement.GetProperty("stream_options").GetRawText());
    }

    [Fact]
    public void TryRead_MoreTopLevelFieldsThanAnyRequestHas_Refused()
    {
        var fields = string.Join(',', Enumerable.Range(0, ChatRequestMessages.MaxTopLevelFields + 1).Select(i => $"\"f{i}\":0"));

        Assert.False(ChatRequestMessages.TryRead(Encoding.UTF8.GetBytes("{" + fields + "}"), out _, out var error));
        Assert.Contains("at most", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ContentChunk_ReadsFirstChoice()
    {
        var chunk = ChatStreamEvent.Parse("""{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel\"lo"},"finish_reason":null}]}"""u8);

        Assert.Equal("Hel\"lo", chunk.Content);
        Assert.Null(chunk.FinishReason);
        Assert.Null(chunk.Usage);
    }

    [Fact]
    public void Parse_UsageChunk_KeepsRawUsageAndFinishReason()
    {
        var chunk = ChatStreamEvent.Parse("""{"choices":[{"index":0,"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":5}}"""u8);

        Assert.Equal("length", chunk.FinishReason);
        Assert.Equal("""{"prompt_tokens":3,"completion_tokens":5}""", Encoding.UTF8.GetString(chunk.Usage!));
    }

    [Fact]
    public void Parse_ErrorAndDone_Recognised()
    {
        Assert.Equal("""{"code":"x"}""", Encoding.UTF8.GetString(ChatStreamEvent.Parse("""{"error":{"code":"x"}}"""u8).Error!));
        Assert.True(ChatStreamEvent.Parse("[DONE]"u8).IsDone);
        Assert.Same(ChatStreamEvent.Ignored, ChatStreamEvent.Parse("not json"u8));
    }
}
