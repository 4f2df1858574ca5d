namespace AiCdn.CoreRelay.Accounting;

public enum SseEventKind
{
    /// <summary>Anything else: passed through untouched.</summary>
    Other,

    /// <summary>A completion chunk (chat, legacy completions or Responses delta).</summary>
    Chunk,

    /// <summary>A chat chunk with empty <c>choices</c> and a <c>usage</c> object: the include_usage chunk.</summary>
    UsageOnly,

    /// <summary><c>data: [DONE]</c>.</summary>
    Done,

    /// <summary>An event carrying an OpenAI <c>error</c> object, or a Responses <c>response.failed</c>.</summary>
    Error,
}
