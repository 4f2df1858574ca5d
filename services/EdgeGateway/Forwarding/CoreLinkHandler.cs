using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AiCdn.Common;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.Common.Streams;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Streaming;
using AiCdn.EdgeGateway.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// The innermost step of every client request to a core: times the core's first byte (its
/// response headers), wraps an event-stream body so a drain can end it at an event boundary, and,
/// for a resumable stream, lets that body reopen the stream on the same core if the link breaks,
/// and reports the stream's usage to another core when it cannot (<see cref="LostStreamReport"/>).
/// Health probes pass through untouched.
/// </summary>
public sealed partial class CoreLinkHandler(
    HttpMessageHandler inner,
    EdgeMetrics metrics,
    DrainCoordinator drain,
    TimeProvider time,
    ClusterSignature signature,
    CoreNodeDirectory nodes,
    IOptions<EdgeOptions> options,
    Lazy<IProxyStateLookup> proxyState,
    ILogger<CoreLinkHandler> logger)
    : DelegatingHandler(inner)
{
    /// <summary>Rounds over every core for a lost stream's report, with a growing pause between them.</summary>
    private static readonly TimeSpan[] s_reportPauses = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10)];

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
            Action<string?>? linkLost = null;
            if (response.Headers.TryGetValues(StreamId.Header, out var ids) && ids.FirstOrDefault() is { } streamId
                && StreamId.TryParse(streamId, out var nodeId) && request.RequestUri is { } coreUri)
            {
                nodes.Learn(nodeId, coreUri);
                resumer = (lastEventId, token) => ResumeAsync(request, coreUri, streamId, lastEventId, token);
                if (request.Headers.TryGetValues(CoreAttempt.Header, out var attempts) && attempts.FirstOrDefault() is { } reservationId)
                {
                    var prompt = response.Headers.TryGetValues(StreamId.PromptTokensHeader, out var counted)
                        && int.TryParse(counted.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var tokens) ? tokens : 0;
                    linkLost = lastEventId => _ = ReportLostAsync(request, coreUri, reservationId, prompt, lastEventId);
                }
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var relay = new CoreEventStream(body, drain.Deadline, metrics, link.CountsAsClientStream, time, resumer, options.Value.LinkResumeTimeout, linkLost);
            response.Content = new SseRelayContent(response.Content, relay);
        }

        return response;
    }

    /// <summary>
    /// The core that held a resumable stream is gone: reports the usage of the last event the client
    /// received whole (its id carries it; the prompt alone before the first event) to a core that
    /// answers, other cores first, so the reservation is settled for it and not left at its estimate.
    /// Never throws: a report that no core takes is logged, and the reservation keeps its estimate.
    /// </summary>
    private async Task ReportLostAsync(HttpRequestMessage original, Uri lostCore, string reservationId, int countedPrompt, string? lastEventId)
    {
        var (prompt, completion) = StreamId.TryParseEventUsage(lastEventId, out var p, out var c) ? (p, c) : (countedPrompt, 0);
        var report = new LostStreamReport(reservationId, prompt, completion);
        var authorization = original.Headers.TryGetValues(HeaderNames.Authorization, out var keys) ? string.Join(", ", keys) : null;
        var forwardedFor = original.Headers.TryGetValues(ClusterSignature.ForwardedForHeader, out var addresses) ? string.Join(", ", addresses) : null;
        foreach (var pause in s_reportPauses)
        {
            await Task.Delay(pause, time);
            foreach (var core in ReportCandidates(lostCore))
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(core, LostStreamReport.Route))
                {
                    Version = original.Version,
                    VersionPolicy = original.VersionPolicy,
                    Content = JsonContent.Create(report, CommonJsonContext.Default.LostStreamReport),
                };
                message.Headers.TryAddWithoutValidation(HeaderNames.Authorization, authorization);
                message.Headers.TryAddWithoutValidation(ClusterSignature.ForwardedForHeader, forwardedFor);
                if (original.Headers.TryGetValues(RequestIdHeader.Name, out var requestId))
                {
                    message.Headers.TryAddWithoutValidation(RequestIdHeader.Name, requestId);
                }

                message.Headers.TryAddWithoutValidation(ClusterSignature.HeaderName, signature.Create("POST", LostStreamReport.Route, authorization, forwardedFor));
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
                    using var response = await base.SendAsync(message, timeout.Token);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        metrics.LostStreamReport("settled");
                        return;
                    }

                    if (response.StatusCode is >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError)
                    {
                        // Refused as such (not a core that is down): another core would refuse it too.
                        metrics.LostStreamReport("refused");
                        LogReportRefused(logger, reservationId, (int)response.StatusCode);
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    // That core is not reachable either: the next one.
                }
            }
        }

        metrics.LostStreamReport("failed");
        LogReportFailed(logger, reservationId);
    }

    /// <summary>Every core of the cluster, the available ones first and the lost one last.</summary>
    private List<Uri> ReportCandidates(Uri lostCore)
    {
        var candidates = new List<Uri>();
        if (proxyState.Value.TryGetCluster(CoreProxyConfig.ClusterId, out var cluster))
        {
            foreach (var destination in cluster.DestinationsState.AvailableDestinations.Concat(cluster.DestinationsState.AllDestinations))
            {
                if (Uri.TryCreate(destination.Model.Config.Address, UriKind.Absolute, out var address)
                    && !string.Equals(address.Authority, lostCore.Authority, StringComparison.OrdinalIgnoreCase)
                    && !candidates.Exists(known => string.Equals(known.Authority, address.Authority, StringComparison.OrdinalIgnoreCase)))
                {
                    candidates.Add(address);
                }
            }
        }

        candidates.Add(new Uri(lostCore.GetLeftPart(UriPartial.Authority)));
        return candidates;
    }

    [LoggerMessage(EventId = 70, EventName = "LostStreamReportRefused", Level = LogLevel.Warning, Message = "The report of lost stream reservation {ReservationId} was refused with {Status}; its estimate stays charged.")]
    private static partial void LogReportRefused(ILogger logger, string reservationId, int status);

    [LoggerMessage(EventId = 71, EventName = "LostStreamReportFailed", Level = LogLevel.Warning, Message = "No core took the report of lost stream reservation {ReservationId}; its estimate stays charged.")]
    private static partial void LogReportFailed(ILogger logger, string reservationId);

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
