using AiCdn.Common.Errors;
using AiCdn.Common.Routing;
using AiCdn.EdgeGateway.Streaming;

namespace AiCdn.EdgeGateway;

/// <summary>The errors only the edge produces, each with the status and code OpenAI clients act on.</summary>
public static class EdgeErrors
{
    /// <summary>OpenAI's own code for 429s; clients back off on it.</summary>

    public static OpenAiErrorResult RateLimited(string message, TimeSpan retryAfter) => new(
        StatusCodes.Status429TooManyRequests,
        new(message, OpenAiErrorTypes.RateLimit, null, OpenAiErrorCodes.RateLimitExceeded),
        retryAfter);

    public static OpenAiErrorResult Draining() => OpenAiErrors.Unavailable(
        "This edge is shutting down; retry the request (it will reach another edge).", DrainingEvent.Code, TimeSpan.FromSeconds(1));

    public static OpenAiErrorResult TooManyConnections() => OpenAiErrors.Unavailable(
        "This edge has too many open connections; retry shortly.", "too_many_connections", TimeSpan.FromSeconds(1));

    public static OpenAiErrorResult HeadersTooLarge(string detail) => new(
        StatusCodes.Status431RequestHeaderFieldsTooLarge,
        new($"The request headers are too large ({detail}).", OpenAiErrorTypes.InvalidRequest, null, "request_headers_too_large"));

    public static OpenAiErrorResult BodyTooSlow() => new(
        StatusCodes.Status408RequestTimeout,
        new("The request body arrived too slowly.", OpenAiErrorTypes.InvalidRequest, null, "request_timeout"));

    public static OpenAiErrorResult NoCore() => OpenAiErrors.Unavailable(
        "No core relay is available.", "no_healthy_core", TimeSpan.FromSeconds(5));

    public static OpenAiErrorResult WebSocketRequired() => new(
        StatusCodes.Status426UpgradeRequired,
        new("This endpoint speaks WebSocket: send an upgrade request (GET with Upgrade: websocket).", OpenAiErrorTypes.InvalidRequest, null, "websocket_required"));

    public static OpenAiErrorResult MethodNotAllowed(string method) => new(
        StatusCodes.Status405MethodNotAllowed,
        new($"The method {(method.Length > 20 ? method[..20] : method)} is not allowed here.", OpenAiErrorTypes.InvalidRequest, null, "method_not_allowed"));

    public static OpenAiErrorResult WebSocketNotServed(PathString path) => new(
        StatusCodes.Status400BadRequest,
        new($"WebSocket upgrades are served on {ApiRoutes.WebSocketChat} and {ApiRoutes.Realtime} only, not on {(path.Value is { Length: > 100 } p ? p[..100] : path.Value)}.",
            OpenAiErrorTypes.InvalidRequest, null, "websocket_not_supported"));
}
