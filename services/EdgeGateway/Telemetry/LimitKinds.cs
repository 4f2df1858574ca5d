namespace AiCdn.EdgeGateway.Telemetry;

/// <summary>The <c>limit</c> label of <c>aicdn.ratelimit.rejections</c>: a closed set.</summary>
public static class LimitKinds
{
    public const string Global = "global";
    public const string IpRate = "ip_rate";
    public const string IpConnectionRate = "ip_connection_rate";
    public const string IpConcurrency = "ip_concurrency";
    public const string Connections = "connections";
    public const string UpgradedConnections = "upgraded_connections";
    public const string HeaderSize = "header_size";
    public const string HeaderCount = "header_count";
    public const string BodySize = "body_size";
    public const string Draining = "draining";
    public const string Overload = "overload";
    public const string WebSocketConcurrency = "websocket_concurrency";
    public const string WebSocketMessageRate = "websocket_message_rate";
    public const string WebSocketFrameRate = "websocket_frame_rate";
    public const string WebSocketFloodPenalty = "websocket_flood_penalty";
}
