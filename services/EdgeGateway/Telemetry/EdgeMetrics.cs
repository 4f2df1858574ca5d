using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AiCdn.EdgeGateway.Telemetry;

/// <summary>
/// The edge's instruments (meter <c>AiCdn.Edge</c>). Labels are bounded: listener kind, route
/// family, status class, result and limit kind; never keys, addresses or request ids.
/// </summary>
public sealed class EdgeMetrics
{
    public const string MeterName = "AiCdn.Edge";
    private const string Service = "edge-gateway";

    private static readonly KeyValuePair<string, object?> ServiceTag = new("service", Service);

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _sseActive;
    private readonly Histogram<double> _upstreamLatency;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _drained;
    private readonly Counter<long> _linkResumes;
    private readonly Counter<long> _lostStreamReports;
    private readonly Histogram<double> _overhead;
    private readonly UpDownCounter<long> _webSockets;
    private readonly Counter<long> _webSocketMessages;

    public EdgeMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("aicdn.connections.active", "{connection}", "Open client connections, by listener.");
        _requests = meter.CreateCounter<long>("aicdn.requests", "{request}", "Client requests by route, status class and result.");
        _duration = meter.CreateHistogram<double>("aicdn.request.duration", "s", "Client request duration, to the last byte of the response.");
        _sseActive = meter.CreateUpDownCounter<long>("aicdn.sse.connections.active", "{stream}", "Open SSE streams relayed to clients.");
        _upstreamLatency = meter.CreateHistogram<double>("aicdn.upstream.latency", "s", "Time to the core's first byte (its response headers).");
        _rejections = meter.CreateCounter<long>("aicdn.ratelimit.rejections", "{request}", "Requests and connections the edge refused, by limit.");
        _failovers = meter.CreateCounter<long>("aicdn.failovers", "{attempt}", "Requests retried on another core before anything was sent.");
        _drained = meter.CreateCounter<long>("aicdn.streams.drained", "{stream}", "Streams ended with a server_draining event at the drain deadline.");
        _linkResumes = meter.CreateCounter<long>("aicdn.link.resumes", "{resume}", "Streams whose link to the core broke and was resumed, by result (succeeded, gone, timed_out).");
        _lostStreamReports = meter.CreateCounter<long>("aicdn.link.lost_reports", "{stream}", "Streams whose core was lost for good, reported to another core for settling, by result (settled, refused, failed).");
        _overhead = meter.CreateHistogram<double>("aicdn.relay.overhead", "s", "Time the edge adds before answering: its time to response headers minus the core's.");
        _webSockets = meter.CreateUpDownCounter<long>("aicdn.websocket.connections.active", "{connection}", "Open WebSocket chat sockets.");
        _webSocketMessages = meter.CreateCounter<long>("aicdn.websocket.requests", "{request}", "Chat requests received over WebSocket, by result.");
    }

    public void ConnectionOpened(string listener) => _connections.Add(1, ServiceTag, new("listener", listener));

    public void ConnectionClosed(string listener) => _connections.Add(-1, ServiceTag, new("listener", listener));

    public void Request(string route, int status, string result, TimeSpan duration)
    {
        var tags = new TagList
        {
            ServiceTag,
            { "route", route },
            { "status_class", StatusClass(status) },
            { "result", result },
        };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    public void StreamOpened() => _sseActive.Add(1, ServiceTag);

    public void StreamClosed() => _sseActive.Add(-1, ServiceTag);

    public void StreamDrained() => _drained.Add(1, ServiceTag);

    public void LinkResume(string result) => _linkResumes.Add(1, ServiceTag, new("result", result));

    public void LostStreamReport(string result) => _lostStreamReports.Add(1, ServiceTag, new("result", result));

    public void RelayOverhead(TimeSpan overhead) => _overhead.Record(Math.Max(0, overhead.TotalSeconds), ServiceTag);

    public void UpstreamLatency(TimeSpan latency) => _upstreamLatency.Record(latency.TotalSeconds, ServiceTag);

    public void Rejected(string limit) => _rejections.Add(1, ServiceTag, new("limit", limit));

    public void Failover() => _failovers.Add(1, ServiceTag);

    public void WebSocketOpened() => _webSockets.Add(1, ServiceTag);

    public void WebSocketClosed() => _webSockets.Add(-1, ServiceTag);

    public void WebSocketRequest(string result) => _webSocketMessages.Add(1, ServiceTag, new("result", result));

    public static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };
}
