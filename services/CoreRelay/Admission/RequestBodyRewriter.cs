using System.Buffers;
using System.Text.Json;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Adds <c>"stream_options":{"include_usage":true}</c> to a streamed request that did not ask for it,
/// so the origin reports exact usage the core can settle with. Every other byte of the body is copied
/// as it came (property names, values, escapes, number formats), by slicing the original JSON.
/// </summary>
public static class RequestBodyRewriter
{
    private static ReadOnlySpan<byte> IncludeUsageProperty => "\"include_usage\":true"u8;

    public static byte[] WithIncludeUsage(ReadOnlySpan<byte> body)
    {
        var output = new ArrayBufferWriter<byte>(body.Length + 48);
        var reader = new Utf8JsonReader(body);
        reader.Read(); // StartObject: the inspector has already validated the body.
        output.Write("{"u8);
        var first = true;
        var sawStreamOptions = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex;
            var isStreamOptions = reader.ValueTextEquals("stream_options"u8);
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            if (isStreamOptions && reader.TokenType == JsonTokenType.StartObject)
            {
                sawStreamOptions = true;
                Separator(output, ref first);
                output.Write(body[nameStart..valueStart]);
                WriteStreamOptions(ref reader, body, output);
                continue;
            }

            reader.Skip();
            var valueEnd = (int)reader.BytesConsumed;
            if (isStreamOptions)
            {
                // stream_options: null (or another non-object) is replaced.
                continue;
            }

            Separator(output, ref first);
            output.Write(body[nameStart..valueEnd]);
        }

        if (!sawStreamOptions)
        {
            Separator(output, ref first);
            output.Write("\"stream_options\":{"u8);
            output.Write(IncludeUsageProperty);
            output.Write("}"u8);
        }

        output.Write("}"u8);
        return output.WrittenSpan.ToArray();
    }

    private static void WriteStreamOptions(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, ArrayBufferWriter<byte> output)
    {
        output.Write("{"u8);
        var first = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex;
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            reader.Skip();
            if (isIncludeUsage)
            {
                continue;
            }

            Separator(output, ref first);
            output.Write(body[nameStart..(int)reader.BytesConsumed]);
        }

        Separator(output, ref first);
        output.Write(IncludeUsageProperty);
        output.Write("}"u8);
    }

    private static void Separator(ArrayBufferWriter<byte> output, ref bool first)
    {
        if (!first)
        {
            output.Write(","u8);
        }

        first = false;
    }
}
