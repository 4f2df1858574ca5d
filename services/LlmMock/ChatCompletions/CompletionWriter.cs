using System.Buffers;
using System.Text.Json;
using AiCdn.LlmMock.Generation;

namespace AiCdn.LlmMock.ChatCompletions;

/// <summary>Writes one generated completion in OpenAI's wire format, streamed as SSE or whole.</summary>
internal sealed record CompletionWriter(string Id, long Created, string Model, CompletionPlan Plan, CompletionGenerator Generator)
{
    private const string SystemFingerprint = "fp_aicdn_mock";

    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;
    private static ReadOnlySpan<byte> Done => "data: [DONE]\n\n"u8;

    public async Task StreamAsync(HttpContext context, bool includeUsage, TimeProvider time)
    {
        var response = context.Response;
        var cancel = context.RequestAborted;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        var pipe = response.BodyWriter;
        using var json = new Utf8JsonWriter(pipe);

        await Task.Delay(Plan.TimeToFirstToken, time, cancel);

        // OpenAI's first chunk carries the role and empty content.
        WriteChunk(pipe, json, includeUsage, content: string.Empty, role: true, finish: null);
        await pipe.FlushAsync(cancel);

        using var pacer = Plan.TokenInterval > TimeSpan.Zero ? new PeriodicTimer(Plan.TokenInterval, time) : null;
        for (var i = 0; i < Plan.TokenCount; i++)
        {
            if (i > 0 && pacer is not null && !await pacer.WaitForNextTickAsync(cancel))
            {
                return;
            }

            WriteChunk(pipe, json, includeUsage, Generator.TokenText(Plan.StartOffset, i), role: false, finish: null);
            await pipe.FlushAsync(cancel);
        }

        WriteChunk(pipe, json, includeUsage, content: null, role: false, finish: Plan.FinishReason);
        if (includeUsage)
        {
            pipe.Write(DataPrefix);
            json.Reset(pipe);
            json.WriteStartObject();
            WriteHeader(json, "chat.completion.chunk");
            json.WriteStartArray("choices");
            json.WriteEndArray();
            WriteUsage(json);
            json.WriteEndObject();
            json.Flush();
            pipe.Write(EventEnd);
        }

        pipe.Write(Done);
        await pipe.FlushAsync(cancel);
    }

    public async Task WriteWholeAsync(HttpContext context, TimeProvider time)
    {
        // A non-streamed answer arrives when the whole completion would have been generated.
        var generation = Plan.TimeToFirstToken + (Plan.TokenInterval * Math.Max(0, Plan.TokenCount - 1));
        await Task.Delay(generation, time, context.RequestAborted);

        context.Response.ContentType = "application/json";
        var pipe = context.Response.BodyWriter;
        using (var json = new Utf8JsonWriter(pipe))
        {
            json.WriteStartObject();
            WriteHeader(json, "chat.completion");
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            json.WriteString("content", Generator.FullText(Plan));
            json.WriteNull("refusal");
            json.WriteEndObject();
            json.WriteNull("logprobs");
            json.WriteString("finish_reason", Plan.FinishReason);
            json.WriteEndObject();
            json.WriteEndArray();
            WriteUsage(json);
            json.WriteEndObject();
        }

        await pipe.FlushAsync(context.RequestAborted);
    }

    private void WriteChunk(IBufferWriter<byte> pipe, Utf8JsonWriter json, bool includeUsage, string? content, bool role, string? finish)
    {
        pipe.Write(DataPrefix);
        json.Reset(pipe);
        json.WriteStartObject();
        WriteHeader(json, "chat.completion.chunk");
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("delta");
        if (role)
        {
            json.WriteString("role", "assistant");
        }

        if (content is not null)
        {
            json.WriteString("content", content);
        }

        json.WriteEndObject();
        json.WriteNull("logprobs");
        if (finish is null)
        {
            json.WriteNull("finish_reason");
        }
        else
        {
            json.WriteString("finish_reason", finish);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        if (includeUsage)
        {
            json.WriteNull("usage");
        }

        json.WriteEndObject();
        json.Flush();
        pipe.Write(EventEnd);
    }

    private void WriteHeader(Utf8JsonWriter json, string objectType)
    {
        json.WriteString("id", Id);
        json.WriteString("object", objectType);
        json.WriteNumber("created", Created);
        json.WriteString("model", Model);
        json.WriteString("system_fingerprint", SystemFingerprint);
    }

    private void WriteUsage(Utf8JsonWriter json)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", Plan.PromptTokens);
        json.WriteNumber("completion_tokens", Plan.TokenCount);
        json.WriteNumber("total_tokens", Plan.PromptTokens + Plan.TokenCount);
        json.WriteEndObject();
    }
}
