using Microsoft.AspNetCore.Http;

namespace AiCdn.Common.Routing;

/// <summary>
/// The OpenAI API routes every hop knows by name: the <c>route</c> metric label (a closed set, the
/// same on every hop so one query spans them) and which routes are metered (their body names a
/// model and the origin charges tokens for them).
/// </summary>
public static class ApiRoutes
{
    public const string ChatCompletions = "/v1/chat/completions";
    public const string Completions = "/v1/completions";
    public const string Embeddings = "/v1/embeddings";
    public const string Responses = "/v1/responses";
    public const string Models = "/v1/models";
    public const string Streams = "/v1/streams";
    public const string WebSocketChat = "/v1/ws/chat";
    public const string Realtime = "/v1/realtime";

    public static string Label(PathString path) =>
        path.StartsWithSegments(ChatCompletions) ? "chat_completions"
        : path.StartsWithSegments(WebSocketChat) ? "ws_chat"
        : path.StartsWithSegments(Completions) ? "completions"
        : path.StartsWithSegments(Embeddings) ? "embeddings"
        : path.StartsWithSegments(Models) ? "models"
        : path.StartsWithSegments(Responses) ? "responses"
        : path.StartsWithSegments(Streams) ? "streams"
        : path.StartsWithSegments(Realtime) ? "realtime"
        : "other";

    /// <summary>
    /// Routes whose calls generate (or embed) tokens: a POST there must carry a JSON object naming
    /// its model, and is charged for its tokens. Their sub-paths (stored completions, retrieving a
    /// response) are not.
    /// </summary>
    public static bool IsMetered(PathString path) =>
        Is(path, ChatCompletions) || Is(path, Completions) || Is(path, Embeddings) || Is(path, Responses);

    /// <summary>Routes that take a WebSocket upgrade: the edge's chat socket and the realtime passthrough.</summary>
    public static bool TakesWebSocket(PathString path) =>
        path.StartsWithSegments(WebSocketChat) || path.StartsWithSegments(Realtime);

    /// <summary>Routes where the origin's answer may carry <c>stream_options.include_usage</c>.</summary>
    public static bool TakesStreamOptions(PathString path) =>
        path.StartsWithSegments(ChatCompletions) || path.StartsWithSegments(Completions);

    private static bool Is(PathString path, string route) =>
        path.Value is { } value
        && value.StartsWith(route, StringComparison.OrdinalIgnoreCase)
        && (value.Length == route.Length || (value.Length == route.Length + 1 && value[^1] == '/'));
}
