namespace AiCdn.EdgeGateway.Streaming;

/// <summary>
/// The event that ends a stream whose core can no longer serve it: the core is gone (its port
/// refuses connections, or it answers that it does not hold the stream: a restarted core holds
/// none), or it did not come back within <c>LINK_RESUME_TIMEOUT</c>.
/// </summary>
public static class LinkLostEvent
{
    public const string Code = "stream_lost";

    /// <summary>An OpenAI-style error as an SSE event; OpenAI SDKs raise it as an API error.</summary>
    public static ReadOnlySpan<byte> Bytes =>
        "data: {\"error\":{\"message\":\"The core relay serving this stream is gone and the stream cannot be resumed; retry the request.\",\"type\":\"server_error\",\"param\":null,\"code\":\"stream_lost\"}}\n\n"u8;
}
