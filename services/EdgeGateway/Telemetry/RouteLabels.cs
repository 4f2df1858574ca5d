namespace AiCdn.EdgeGateway.Telemetry;

/// <summary>
/// The <c>route</c> label: OpenAI's API families and the edge's own endpoints, a closed set, named as
/// core-relay and llm-mock name them (<c>chat_completions</c>, ...) so one query spans every hop.
/// </summary>
public static class RouteLabels
{
    public const string WebSocketChatPath = "/v1/ws/chat";
    public const string RealtimePath = "/v1/realtime";

    public static string For(PathString path) =>
        path.StartsWithSegments("/v1/chat/completions") ? "chat_completions"
        : path.StartsWithSegments(WebSocketChatPath) ? "ws_chat"
        : path.StartsWithSegments("/v1/completions") ? "completions"
        : path.StartsWithSegments("/v1/embeddings") ? "embeddings"
        : path.StartsWithSegments("/v1/models") ? "models"
        : path.StartsWithSegments("/v1/responses") ? "responses"
        : path.StartsWithSegments("/v1/streams") ? "streams"
        : path.StartsWithSegments(RealtimePath) ? "realtime"
        : "other";
}
