namespace AiCdn.EdgeGateway.Hosting;

public static class ListenerKinds
{
    /// <summary>The metric label: a fixed string per kind.</summary>
    public static string Label(this ListenerKind kind) => kind switch
    {
        ListenerKind.Http => "http",
        ListenerKind.WebSocket => "ws",
        ListenerKind.Tls => "tls",
        _ => "management",
    };
}
