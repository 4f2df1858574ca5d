using System.Buffers;
using System.Text;
using System.Text.Json;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Streaming;

namespace AiCdn.LlmMock.Responses;

/// <summary>
/// The Responses API event stream: <c>response.created</c>, <c>response.in_progress</c>, the output
/// item and content part opening, one <c>response.output_text.delta</c> per token, their closing
/// events, and <c>response.completed</c> (or <c>response.incomplete</c>) with usage. Each event
/// carries its <c>sequence_number</c>; deltas are copied from bytes encoded once per stream.
/// </summary>
internal sealed class ResponseEventFormat : ITokenStreamFormat, IDisposable
{
    private readonly ResponseState _state;
    private readonly byte[] _deltaMiddle;
    private readonly Utf8JsonWriter _json = new(Stream.Null);
    private int _sequence;

    public ResponseEventFormat(ResponseState state)
    {
        _state = state;
        _deltaMiddle = Encoding.UTF8.GetBytes($",\"item_id\":\"{state.MessageId}\",\"output_index\":0,\"content_index\":0,\"delta\":");
    }

    private static ReadOnlySpan<byte> DeltaStart =>
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":"u8;

    private static ReadOnlySpan<byte> DeltaEnd => ",\"logprobs\":[]}\n\n"u8;

    public void WritePreamble(IBufferWriter<byte> output)
    {
        WriteEvent(output, "response.created", json =>
        {
            json.WritePropertyName("response");
            ResponseJson.WriteResponse(json, _state, ResponseJson.Stage.InProgress);
        });
        WriteEvent(output, "response.in_progress", json =>
        {
            json.WritePropertyName("response");
            ResponseJson.WriteResponse(json, _state, ResponseJson.Stage.InProgress);
        });
    }

    public void WriteStart(IBufferWriter<byte> output)
    {
        WriteEvent(output, "response.output_item.added", json =>
        {
            json.WriteNumber("output_index", 0);
            json.WritePropertyName("item");
            ResponseJson.WriteMessage(json, _state, text: null, "in_progress");
        });
        WriteEvent(output, "response.content_part.added", json =>
        {
            WritePartAddress(json);
            json.WritePropertyName("part");
            ResponseJson.WriteTextPart(json, string.Empty);
        });
    }

    public void WriteChunk(IBufferWriter<byte> output, ChoicePlan choice, int chunk)
    {
        output.Write(DeltaStart);
        output.WriteNumber(_sequence++);
        output.Write(_deltaMiddle);
        output.Write(_state.Generator.PieceJson(choice, chunk));
        output.Write(DeltaEnd);
    }

    public void WriteChoiceEnd(IBufferWriter<byte> output, ChoicePlan choice)
    {
        var text = _state.Generator.Text(choice);
        WriteEvent(output, "response.output_text.done", json =>
        {
            WritePartAddress(json);
            json.WriteString("text", text);
            json.WriteStartArray("logprobs");
            json.WriteEndArray();
        });
        WriteEvent(output, "response.content_part.done", json =>
        {
            WritePartAddress(json);
            json.WritePropertyName("part");
            ResponseJson.WriteTextPart(json, text);
        });
        WriteEvent(output, "response.output_item.done", json =>
        {
            json.WriteNumber("output_index", 0);
            json.WritePropertyName("item");
            ResponseJson.WriteMessage(json, _state, text, _state.Incomplete ? "incomplete" : "completed");
        });
    }

    public void WriteEnd(IBufferWriter<byte> output)
    {
        WriteEvent(output, _state.Incomplete ? "response.incomplete" : "response.completed", json =>
        {
            json.WritePropertyName("response");
            ResponseJson.WriteResponse(json, _state, ResponseJson.Stage.Final);
        });
    }

    public void WriteMalformed(IBufferWriter<byte> output)
    {
        output.Write(DeltaStart);
        output.WriteNumber(_sequence++);
        output.Write(_deltaMiddle);
        output.Write("\"mal\n\n"u8);
    }

    public void Dispose() => _json.Dispose();

    private void WritePartAddress(Utf8JsonWriter json)
    {
        json.WriteString("item_id", _state.MessageId);
        json.WriteNumber("output_index", 0);
        json.WriteNumber("content_index", 0);
    }

    private void WriteEvent(IBufferWriter<byte> output, string type, Action<Utf8JsonWriter> body)
    {
        output.Write("event: "u8);
        output.Write(Encoding.UTF8.GetBytes(type));
        output.Write("\ndata: "u8);
        _json.Reset(output);
        _json.WriteStartObject();
        _json.WriteString("type", type);
        _json.WriteNumber("sequence_number", _sequence++);
        body(_json);
        _json.WriteEndObject();
        _json.Flush();
        output.Write("\n\n"u8);
    }
}
