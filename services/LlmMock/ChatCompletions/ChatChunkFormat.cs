using System.Buffers;
using System.Text.Json;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Streaming;

namespace AiCdn.LlmMock.ChatCompletions;

/// <summary>
/// <c>chat.completion.chunk</c> events as OpenAI sends them. The part of a chunk that never changes
/// within a stream (id, created, model, ...) is encoded once per stream; a token chunk is then a few
/// copies into the pipe's buffer, with no allocation and no JSON writer.
/// </summary>
internal sealed class ChatChunkFormat : ITokenStreamFormat
{
    private readonly CompletionIdentity _identity;
    private readonly CompletionPlan _plan;
    private readonly CompletionGenerator _generator;
    private readonly bool _includeUsage;
    private readonly byte[] _prefix;

    public ChatChunkFormat(CompletionIdentity identity, CompletionPlan plan, CompletionGenerator generator, bool includeUsage)
    {
        _identity = identity;
        _plan = plan;
        _generator = generator;
        _includeUsage = includeUsage;

        // "data: {"id":...,"choices":[{"index":" — the writer is left open after the property name on purpose.
        var prefix = new ArrayBufferWriter<byte>(256);
        prefix.Write("data: "u8);
        using (var json = new Utf8JsonWriter(prefix))
        {
            json.WriteStartObject();
            ChatUsageJson.WriteHeader(json, identity, "chat.completion.chunk");
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WritePropertyName("index");
            json.Flush();
        }

        _prefix = prefix.WrittenSpan.ToArray();
    }

    private static ReadOnlySpan<byte> RoleDelta => ""","delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null"""u8;

    private static ReadOnlySpan<byte> ContentDeltaStart => ""","delta":{"content":"""u8;

    private static ReadOnlySpan<byte> ContentDeltaEnd => """},"logprobs":null,"finish_reason":null"""u8;

    private static ReadOnlySpan<byte> FinishDeltaStart => ",\"delta\":{},\"logprobs\":null,\"finish_reason\":\""u8;

    private static ReadOnlySpan<byte> ChoiceEnd => "}]"u8;

    private static ReadOnlySpan<byte> NullUsage => ""","usage":null"""u8;

    private static ReadOnlySpan<byte> EventEnd => "}\n\n"u8;

    private static ReadOnlySpan<byte> Done => "data: [DONE]\n\n"u8;

    public void WritePreamble(IBufferWriter<byte> output)
    {
        // Chat streams send nothing before the first token is ready.
    }

    public void WriteStart(IBufferWriter<byte> output)
    {
        foreach (var choice in _plan.Choices)
        {
            output.Write(_prefix);
            output.WriteNumber(choice.Index);
            output.Write(RoleDelta);
            WriteChunkEnd(output);
        }
    }

    public void WriteChunk(IBufferWriter<byte> output, ChoicePlan choice, int chunk)
    {
        output.Write(_prefix);
        output.WriteNumber(choice.Index);
        output.Write(ContentDeltaStart);
        output.Write(_generator.PieceJson(choice, chunk));
        output.Write(ContentDeltaEnd);
        WriteChunkEnd(output);
    }

    public void WriteChoiceEnd(IBufferWriter<byte> output, ChoicePlan choice)
    {
        output.Write(_prefix);
        output.WriteNumber(choice.Index);
        output.Write(FinishDeltaStart);
        output.Write(choice.FinishReason == FinishReasons.Stop ? "stop\""u8 : "length\""u8);
        WriteChunkEnd(output);
    }

    public void WriteEnd(IBufferWriter<byte> output)
    {
        if (_includeUsage)
        {
            // OpenAI's include_usage chunk: empty choices, the whole request's usage.
            output.Write("data: "u8);
            using (var json = new Utf8JsonWriter(output))
            {
                json.WriteStartObject();
                ChatUsageJson.WriteHeader(json, _identity, "chat.completion.chunk");
                json.WriteStartArray("choices");
                json.WriteEndArray();
                ChatUsageJson.Write(json, _plan.PromptTokens, _plan.CompletionTokens);
                json.WriteEndObject();
            }

            output.Write("\n\n"u8);
        }

        output.Write(Done);
    }

    public void WriteMalformed(IBufferWriter<byte> output)
    {
        // A chunk cut off inside a string: not JSON, as a broken origin or a bad proxy would send it.
        output.Write(_prefix);
        output.Write("0"u8);
        output.Write(ContentDeltaStart);
        output.Write("\"mal\n\n"u8);
    }

    private void WriteChunkEnd(IBufferWriter<byte> output)
    {
        output.Write(ChoiceEnd);
        if (_includeUsage)
        {
            output.Write(NullUsage);
        }

        output.Write(EventEnd);
    }
}
