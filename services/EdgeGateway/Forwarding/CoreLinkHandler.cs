using System.Net;
using System.Net.Http.Headers;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.Common.Streams;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Streaming;
using AiCdn.EdgeGateway.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// The innermost step of every client request to a core: times the core's first byte (its
/// response headers), wraps an event-stream body so a drain can end it at an event boundary, and,
/// for a resumable stream, lets that body reopen the stream on the same core if the link breaks.
/// Health probes pass through untouched.
/// </summary>
public sealed class CoreLinkHandler(
    HttpMessageHandler inner,
    EdgeMetrics metrics,
    DrainCoordinator drain,
    TimeProvider time,
    ClusterSignature signature,
    CoreNodeDirectory nodes,
    IOptions<EdgeOptions> options)
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
        var coreLatency = time.GetElapsedTime(start);
        metrics.UpstreamLatency(coreLatency);
        request.Options.Set(CoreLatencyKey, coreLatency);

        if (response.StatusCode != HttpStatusCode.SwitchingProtocols
            && string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            LinkResumer? resumer = null;
            if (response.Headers.TryGetValues(StreamId.Header, out var ids) && ids.FirstOrDefault() is { } streamId
                && StreamId.TryParse(streamId, out var nodeId) && request.RequestUri is { } coreUri)
            {
                nodes.Learn(nodeId, coreUri);
                resumer = (lastEventId, token) => ResumeAsync(request, coreUri, streamId, lastEventId, token);
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var relay = new CoreEventStream(body, drain.Deadline, metrics, link.CountsAsClientStream, resumer, options.Value.LinkResumeTimeout);
            response.Content = new SseRelayContent(response.Content, relay);
        }

        return response;
    }

    /// <summary>The core's time to response headers, for the edge's own share of the latency.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> CoreLatencyKey = new("AiCdn.Edge.CoreLatency");

    /// <summary>
    /// <c>GET /v1/streams/{id}</c> on the core that holds the stream, as the same client (its key,
    /// request id and trace context), signed by this edge.
    /// </summary>
    private async Task<Stream?> ResumeAsync(HttpRequestMessage original, Uri core, string streamId, string? lastEventId, CancellationToken cancellationToken)
    {
        var path = StreamId.ResumePath(streamId);
        using var resume = new HttpRequestMessage(HttpMethod.Get, new Uri(core, path))
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
        };
        var authorization = original.Headers.TryGetValues(HeaderNames.Authorization, out var keys) ? string.Join(", ", keys) : null;
        var forwardedFor = original.Headers.TryGetValues(ClusterSignature.ForwardedForHeader, out var addresses) ? string.Join(", ", addresses) : null;
        resume.Headers.TryAddWithoutValidation(HeaderNames.Authorization, authorization);
        resume.Headers.TryAddWithoutValidation(ClusterSignature.ForwardedForHeader, forwardedFor);
        foreach (var name in (ReadOnlySpan<string>)[RequestIdHeader.Name, "traceparent", "tracestate"])
        {
            if (original.Headers.TryGetValues(name, out var values))
            {
                resume.Headers.TryAddWithoutValidation(name, values);
            }
        }

        if (lastEventId is not null)
        {
            resume.Headers.TryAddWithoutValidation(StreamId.LastEventIdHeader, lastEventId);
        }

        resume.Headers.TryAddWithoutValidation(ClusterSignature.HeaderName, signature.Create("GET", path, authorization, forwardedFor));
        resume.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        var response = await base.SendAsync(resume, cancellationToken);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // The response must outlive this method: its stream owns the connection to the core.
            return await response.Content.ReadAsStreamAsync(cancellationToken);
        }

        response.Dispose();
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }

        throw new HttpRequestException($"The core answered the resume with {(int)response.StatusCode}.", null, response.StatusCode);
    }
}
