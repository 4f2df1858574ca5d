namespace AiCdn.LoadTool.Chaos;

/// <summary>How one held stream ended.</summary>
public enum StreamVerdict
{
    /// <summary>Every token once, in order, then <c>[DONE]</c>.</summary>
    Complete,

    /// <summary>Ended with an OpenAI error event (the SDKs raise it), or refused with an error status before it began.</summary>
    ExplicitError,

    /// <summary>The connection broke under the client: visible to it (its SDK raises), but without an error event.</summary>
    Cut,

    /// <summary>Ended cleanly without <c>[DONE]</c> and without an error: the client could take a partial answer for a whole one.</summary>
    SilentTruncation,

    /// <summary><c>[DONE]</c> arrived, but the text is not the expected one (a token altered or missing).</summary>
    Altered,
}
