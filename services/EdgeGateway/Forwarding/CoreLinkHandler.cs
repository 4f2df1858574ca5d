using System.Net;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Streaming;
using AiCdn.EdgeGateway.Telemetry;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// The innermost step of every client request to a core: times the core's first byte (its
/// response headers) and wraps an event-stream body so a drain can end it at an event boundary.
/// Health probes pass through untouched.
/// </summary>
public sealed class CoreLinkHandler(HttpMessageHandler inner, EdgeMetrics metrics, DrainCoordinator drain, TimeProvider time)
    : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(CoreLinkRequest.Key, out var link))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var start = time.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken);
        metrics.UpstreamLatency(time.GetElapsedTime(start));

        if (response.StatusCode != HttpStatusCode.SwitchingProtocols
            && string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var relay = new SseRelayStream(body, drain.Deadline, metrics, link.CountsAsClientStream);
            response.Content = new SseRelayContent(response.Content, relay);
        }

        return response;
    }
}
