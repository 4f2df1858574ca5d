namespace AiCdn.LoadTool.Chat;

/// <summary>What one server-sent event of a chat completion stream carried.</summary>
public enum ChunkKind
{
    /// <summary>The first chunk: <c>delta.role = "assistant"</c>.</summary>
    Role,

    /// <summary>A <c>delta.content</c> piece.</summary>
    Content,

    /// <summary>The chunk with a <c>finish_reason</c>.</summary>
    Finish,

    /// <summary>The optional usage chunk (empty choices, <c>usage</c> set).</summary>
    Usage,

    /// <summary><c>data: [DONE]</c>.</summary>
    Done,

    /// <summary>Anything else: an error event, malformed JSON, an unknown shape.</summary>
    Other,
}
