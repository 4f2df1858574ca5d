namespace AiCdn.EdgeGateway.Telemetry;

/// <summary>The <c>route</c> label: OpenAI's API families and the edge's own endpoints, a closed set.</summary>
public static class RouteLabels
{
    public const string WebSocketChatPath = "/v1/ws/chat";
    public const string RealtimePath = "/v1/realtime";

    public static string For(PathString path)
    {
        if (path.StartsWithSegments("/v1/chat/completions"))
        {
            return "/v1/chat/completions";
        }

        if (path.StartsWithSegments(WebSocketChatPath))
        {
            return WebSocketChatPath;
        }

        if (path.StartsWithSegments("/v1/completions"))
        {
            return "/v1/completions";
        }

        if (path.StartsWithSegments("/v1/embeddings"))
        {
            return "/v1/embeddings";
        }

        if (path.StartsWithSegments("/v1/models"))
        {
            return "/v1/models";
        }

        if (path.StartsWithSegments("/v1/responses"))
        {
            return "/v1/responses";
        }

        if (path.StartsWithSegments(RealtimePath))
        {
            return RealtimePath;
        }

        return path.StartsWithSegments("/v1") ? "/v1/other" : "other";
    }
}
