using System.Net;
using AiCdn.Testing;
using AiCdn.Tokens;

namespace AiCdn.LlmMock.Tests;

/// <summary>The Responses API event stream as bytes: event names, sequence numbers, text and usage.</summary>
public sealed class ResponsesTests(MockFixture fixture) : IClassFixture<MockFixture>
{
    [Fact]
    public async Task Stream_EventsInOpenAiOrder_DeltasMakeTheFinalText()
    {
        using var client = fixture.CreateClient();
        var body = """{"model":"mock-gpt","stream":true,"instructions":"Be brief.","input":[{"role":"user","content":[{"type":"input_text","text":"Hello"}]}]}""";

        using var response = await client.SendAsync(Chat.Post("/v1/responses", body, ("x-mock-tokens", "6")), HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string[] expected =
        [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            .. Enumerable.Repeat("response.output_text.delta", 6),
            "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
        ];
        Assert.Equal(expected, events.Select(e => e.EventType));
        var data = events.Select(e => Chat.Parse(e.Data)).ToList();
        Assert.Equal(Enumerable.Range(0, data.Count), data.Select(d => d.GetProperty("sequence_number").GetInt32()));
        Assert.All(data, (d, i) => Assert.Equal(expected[i], d.GetProperty("type").GetString()));

        var text = string.Concat(data.Where(d => d.GetProperty("type").GetString() == "response.output_text.delta").Select(d => d.GetProperty("delta").GetString()));
        Assert.Equal(text, data[^4].GetProperty("text").GetString());
        var final = data[^1].GetProperty("response");
        Assert.Equal("completed", final.GetProperty("status").GetString());
        Assert.Equal(data[0].GetProperty("response").GetProperty("id").GetString(), final.GetProperty("id").GetString());
        Assert.Equal(text, final.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        var usage = final.GetProperty("usage");
        Assert.Equal(6, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(
            TokenCounter.Default.CountChatPrompt([new ChatPromptMessage("system", "Be brief."), new ChatPromptMessage("user", "Hello")]),
            usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal("in_progress", data[0].GetProperty("response").GetProperty("status").GetString());
    }

    [Fact]
    public async Task MaxOutputTokens_IsExactLength_ResponseIncomplete()
    {
        using var client = fixture.CreateClient();
        var body = """{"model":"mock-gpt","stream":true,"max_output_tokens":20,"input":"Hello"}""";

        using var response = await client.SendAsync(Chat.Post("/v1/responses", body), HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        Assert.Equal(20, events.Count(e => e.EventType == "response.output_text.delta"));
        Assert.Equal("response.incomplete", events[^1].EventType);
        var final = Chat.Parse(events[^1].Data).GetProperty("response");
        Assert.Equal("incomplete", final.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", final.GetProperty("incomplete_details").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Whole_IsOneResponseObject()
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Post("/v1/responses", """{"model":"mock-gpt","input":"Hello"}"""));

        var json = await Chat.JsonAsync(response);
        Assert.Equal("response", json.GetProperty("object").GetString());
        Assert.Equal("completed", json.GetProperty("status").GetString());
        Assert.Equal(64, json.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"model":"mock-gpt","max_output_tokens":15,"input":"hi"}""", 400, "max_output_tokens")]
    [InlineData("""{"model":"mock-gpt"}""", 400, "input")]
    [InlineData("""{"model":"mock-gpt","input":[]}""", 400, "input")]
    [InlineData("""{"model":"mock-gpt","input":42}""", 400, "input")]
    [InlineData("""{"model":"nope","input":"hi"}""", 404, "model")]
    public async Task BadRequest_GetsOpenAiError(string body, int status, string param)
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Post("/v1/responses", body));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(param, (await Chat.ErrorAsync(response)).Param);
    }

    [Fact]
    public async Task Stream_AbortFault_ResetsAfterDeltas()
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(
            Chat.Post("/v1/responses", """{"model":"mock-gpt","stream":true,"input":"Hello"}""", ("x-mock-fault", "abort-after=3")),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var collector = SseClient.Start(response);

        var failure = await collector.WaitForEndAsync();

        Assert.NotNull(failure);
        Assert.Equal(3, collector.Events.Count(e => e.EventType == "response.output_text.delta"));
        Assert.DoesNotContain(collector.Events, e => e.EventType == "response.completed");
    }
}
