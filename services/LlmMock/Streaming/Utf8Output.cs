using System.Buffers;
using System.Buffers.Text;

namespace AiCdn.LlmMock.Streaming;

/// <summary>Small writes straight into a pipe's buffer, without strings in between.</summary>
internal static class Utf8Output
{
    public static void WriteNumber(this IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }
}
