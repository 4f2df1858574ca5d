using System.Text;
using AiCdn.LoadTool.Chat;

namespace AiCdn.LoadTests.Tests;

public sealed class StreamVerifierTests
{
    private const string Id = "chatcmpl-1";
    private static readonly string[] Tokens = [" A", " content", " delivery", " network"];

    [Fact]
    public void Accept_CompleteStreamInOrder_CompleteWithNothingLost()
    {
        var verifier = Verifier();

        Assert.True(Feed(verifier, Stream()));

        Assert.True(verifier.End());
        Assert.Null(verifier.Failure);
        Assert.Equal(0, verifier.Lost);
        Assert.Equal(Tokens.Length, verifier.ContentChunks);
    }

    [Fact]
    public void Accept_UsageChunkAgreeingOnCount_Complete()
    {
        var verifier = Verifier();
        var events = Stream().ToList();
        events.Insert(events.Count - 1, """{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}""");

        Assert.True(Feed(verifier, events));
        Assert.True(verifier.End());
    }

    [Fact]
    public void Accept_ContentChunkMissing_TextMismatchAndTheRestCountsAsLost()
    {
        var verifier = Verifier();
        var events = Stream().ToList();
        events.RemoveAt(2); // " content"

        Assert.False(Feed(verifier, events));

        Assert.Equal("text_mismatch", verifier.Failure);
        Assert.Equal(verifier.ExpectedEvents - 2, verifier.Lost); // role and " A" arrived
    }

    [Fact]
    public void Accept_ChunksSwapped_TextMismatch()
    {
        var verifier = Verifier();
        var events = Stream().ToList();
        (events[2], events[3]) = (events[3], events[2]);

        Assert.False(Feed(verifier, events));
        Assert.Equal("text_mismatch", verifier.Failure);
    }

    [Fact]
    public void End_CutBeforeDone_EndedEarlyWithMissingEventsLost()
    {
        var verifier = Verifier();

        Feed(verifier, Stream().Take(3));

        Assert.False(verifier.End());
        Assert.Equal("ended_early", verifier.Failure);
        Assert.Equal(verifier.ExpectedEvents - 3, verifier.Lost);
    }

    [Fact]
    public void Accept_DataAfterDone_Fails()
    {
        var verifier = Verifier();

        Assert.False(Feed(verifier, Stream().Append(Content(" extra"))));
        Assert.Equal("data_after_done", verifier.Failure);
    }

    [Fact]
    public void Accept_ChunkFromAnotherCompletion_Fails()
    {
        var verifier = Verifier();
        var events = Stream().ToList();
        events[2] = events[2].Replace(Id, "chatcmpl-2", StringComparison.Ordinal);

        Assert.False(Feed(verifier, events));
        Assert.Equal("mixed_completion_ids", verifier.Failure);
    }

    [Fact]
    public void Accept_FinishBeforeAllChunks_ChunksMissing()
    {
        var verifier = new StreamVerifier(string.Concat(Tokens), Tokens.Length + 1);

        Assert.False(Feed(verifier, Stream()));
        Assert.Equal("chunks_missing", verifier.Failure);
    }

    [Fact]
    public void Parse_ErrorEvent_Other()
    {
        var chunk = Chunk.Parse(Encoding.UTF8.GetBytes("""{"error":{"message":"x","type":"server_error","param":null,"code":"upstream_unavailable"}}"""));

        Assert.Equal(ChunkKind.Other, chunk.Kind);
    }

    private static StreamVerifier Verifier() => new(string.Concat(Tokens), Tokens.Length);

    private static bool Feed(StreamVerifier verifier, IEnumerable<string> events) =>
        events.All(e => verifier.Accept(Chunk.Parse(Encoding.UTF8.GetBytes(e))));

    private static IEnumerable<string> Stream()
    {
        yield return """{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""";
        foreach (var token in Tokens)
        {
            yield return Content(token);
        }

        yield return """{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}""";
        yield return "[DONE]";
    }

    private static string Content(string token) =>
        $$"""{"id":"{{Id}}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"{{token}}"},"logprobs":null,"finish_reason":null}]}""";
}
