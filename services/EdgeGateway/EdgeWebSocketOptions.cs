namespace AiCdn.EdgeGateway;

/// <summary>The WebSocket chat endpoint (<c>Edge:WebSocket</c>).</summary>
public sealed class EdgeWebSocketOptions
{
    /// <summary>Chat requests one socket may have running at once.</summary>
    public int MaxConcurrentRequests { get; set; } = 16;

    /// <summary>Ping interval that keeps idle sockets open through intermediaries.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);
}
