using System.Buffers;
using AiCdn.LlmMock.Generation;

namespace AiCdn.LlmMock.Streaming;

/// <summary>The wire format of one streamed completion; <see cref="TokenStreamer"/> decides when each part is sent.</summary>
public interface ITokenStreamFormat
{
    /// <summary>Events sent with the response headers, before the first token is due.</summary>
    void WritePreamble(IBufferWriter<byte> output);

    /// <summary>Events sent when the first token is ready, just before it (chat: each choice's role chunk).</summary>
    void WriteStart(IBufferWriter<byte> output);

    /// <summary>Content chunk <paramref name="chunk"/> of <paramref name="choice"/>: one token.</summary>
    void WriteChunk(IBufferWriter<byte> output, ChoicePlan choice, int chunk);

    /// <summary>The end of one choice (chat: its finish chunk).</summary>
    void WriteChoiceEnd(IBufferWriter<byte> output, ChoicePlan choice);

    /// <summary>The end of the stream (chat: the usage chunk and <c>[DONE]</c>).</summary>
    void WriteEnd(IBufferWriter<byte> output);

    /// <summary>An event whose data is not valid JSON, for the malformed-chunk fault.</summary>
    void WriteMalformed(IBufferWriter<byte> output);
}
