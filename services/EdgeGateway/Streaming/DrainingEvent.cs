namespace AiCdn.EdgeGateway.Streaming;

/// <summary>The event that ends a stream still open when the drain deadline passes.</summary>
public static class DrainingEvent
{
    public const string Code = "server_draining";

    /// <summary>An OpenAI-style error as an SSE event; OpenAI SDKs raise it as an API error.</summary>
    public static ReadOnlySpan<byte> Bytes =>
        "data: {\"error\":{\"message\":\"The edge is shutting down and ended this stream before it finished; retry the request.\",\"type\":\"service_unavailable\",\"param\":null,\"code\":\"server_draining\"}}\n\n"u8;
}
