using AiCdn.Tokens;

namespace AiCdn.CoreRelay.Admission;

/// <summary>What the core needs to know about an OpenAI request body; everything else passes through untouched.</summary>
public sealed class ChatRequestSummary
{
    public string? Model { get; set; }

    public bool Stream { get; set; }

    /// <summary><c>max_completion_tokens</c>, else <c>max_tokens</c>, else <c>max_output_tokens</c> (Responses API).</summary>
    public int? MaxTokens { get; set; }

    /// <summary>
    /// The first field the core acts on whose value OpenAI refuses, if any: refused with 400 before
    /// anything is reserved. A completion limit below 1 would reserve nothing for a completion that
    /// some origins (llama.cpp, Ollama: -1) then generate without a limit; <c>n</c> or
    /// <c>best_of</c> below 1 was read as 1, and an origin that reads it otherwise (or 0 as "the
    /// default") could generate more than was reserved; <c>n</c> above 128 OpenAI refuses.
    /// </summary>
    public ValueOutOfRange? OutOfRange { get; set; }

    /// <summary>How many completions the origin generates for this request: <c>max(n, best_of)</c>, 1 when neither is given.</summary>
    public int Choices { get; set; } = 1;

    /// <summary>Prompt tokens sent as token ids rather than text (embeddings, legacy completions).</summary>
    public int PromptTokenIds { get; set; }

    /// <summary>Image parts of the prompt (<c>image_url</c>), each charged by the origin as an image.</summary>
    public int ImageParts { get; set; }

    /// <summary>
    /// Tokens reserved for the prompt's audio parts (<c>input_audio</c>), estimated from the size of
    /// their data (<see cref="TokenEstimate.ForAudio"/>).
    /// </summary>
    public long AudioTokens { get; set; }

    /// <summary>The client asked for <c>stream_options.include_usage</c>.</summary>
    public bool IncludeUsage { get; set; }

    /// <summary>Chat messages, or each text of an <c>input</c>, <c>instructions</c> or <c>prompt</c>, for estimating prompt tokens.</summary>
    public List<ChatPromptMessage> Messages { get; } = [];

    /// <summary>
    /// Text of <c>tools</c>, <c>functions</c> and earlier turns' <c>tool_calls</c>/<c>function_call</c>:
    /// not a message, but rendered into the prompt and charged as prompt tokens by the origin.
    /// </summary>
    public List<string> ToolText { get; } = [];
}
