using System.Collections.Frozen;
using System.Net.Http.Headers;
using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using AiCdn.EdgeGateway.Forwarding;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.Forwarding.Failover;
using AiCdn.Forwarding.Health;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>
/// Sends a chat socket's request to a core as an ordinary streamed <c>POST /v1/chat/completions</c>,
/// through the same YARP cluster the HTTP routes use: its connections (h2c / h2 / HTTP/1.1), its
/// healthy destinations, the same drain-aware stream handling. Signed like every relayed request;
/// the client's key, address and the request id go with it. Another core is tried when one could not
/// be connected to or was lost before answering, under the next <see cref="CoreAttempt"/> name, in the
/// order the HTTP routes use (<see cref="FailoverCandidates.Untried"/>), picked by the cluster's own
/// load-balancing policy. It sends through HttpClient, outside YARP's pipeline, so it cannot run on
/// <see cref="ProxyFailover{TRequest}"/>; what decides a retry is the same.
/// </summary>
public sealed partial class CoreChatClient(
    IProxyStateLookup proxyState,
    IEnumerable<ILoadBalancingPolicy> loadBalancingPolicies,
    ClusterSignature signature,
    IOptions<EdgeOptions> options,
    EdgeMetrics metrics,
    ILogger<CoreChatClient> logger)
{
    public const string Path = "/v1/chat/completions";

    private readonly FrozenDictionary<string, ILoadBalancingPolicy> _policies =
        loadBalancingPolicies.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public async Task<HttpResponseMessage> SendAsync(HttpContext upgrade, byte[] body, string requestId, CancellationToken cancellationToken)
    {
        if (!proxyState.TryGetCluster(CoreProxyConfig.ClusterId, out var cluster))
        {
            throw new InvalidOperationException("The cores cluster is not configured.");
        }

        var model = cluster.Model;
        var healthy = cluster.DestinationsState.AvailableDestinations;
        var all = cluster.DestinationsState.AllDestinations;
        if (all.Count == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, "No core relay is available.");
        }

        var attempts = Math.Min(options.Value.CoreMaxAttempts, all.Count);
        var policy = _policies.GetValueOrDefault(model.Config.LoadBalancingPolicy ?? LoadBalancingPolicies.PowerOfTwoChoices);
        var name = CoreAttempt.First();
        List<DestinationState>? tried = null;
        for (var attempt = 1; ; attempt++)
        {
            var candidates = FailoverCandidates.Untried(healthy, all, tried);
            var destination = (candidates.Count > 1 ? policy?.PickDestination(upgrade, cluster, candidates) : null) ?? candidates[0];
            using var request = CreateRequest(upgrade, destination.Model.Config.Address, model.Config.HttpRequest, body, requestId);
            request.Headers.TryAddWithoutValidation(CoreAttempt.Header, name.ToString());
            try
            {
                return await model.HttpClient.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex) when (attempt < attempts && !cancellationToken.IsCancellationRequested
                && (HopFaults.IsUnreachable(ex) || HopFaults.IsLostBeforeAnswer(ex)))
            {
                // Not reached, or lost before answering: the next core cancels what this attempt reserved.
                (tried ??= []).Add(destination);
                metrics.Failover();
                LogFailover(logger, destination.DestinationId, ex.Message);
                name = name.Next();
            }
        }
    }

    private HttpRequestMessage CreateRequest(HttpContext upgrade, string address, Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig? config, byte[] body, string requestId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, address.TrimEnd('/') + Path)
        {
            Content = new ByteArrayContent(body),
            Version = config?.Version ?? System.Net.HttpVersion.Version11,
            VersionPolicy = config?.VersionPolicy ?? HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var authorization = upgrade.Request.Headers.Authorization.Count == 1 ? upgrade.Request.Headers.Authorization[0] : null;
        var forwardedFor = upgrade.Connection.RemoteIpAddress?.ToString();
        request.Headers.TryAddWithoutValidation(HeaderNames.Authorization, authorization);
        request.Headers.TryAddWithoutValidation(ClusterSignature.HeaderName, signature.Create("POST", Path, authorization, forwardedFor));
        request.Headers.TryAddWithoutValidation(RequestIdHeader.Name, requestId);

        // A WebSocket client cannot resume a stream by id: when it cancels or leaves, the core must
        // stop the origin and charge only what was relayed, not keep generating for the grace period.
        request.Headers.TryAddWithoutValidation("x-aicdn-resumable", "false");
        request.Headers.TryAddWithoutValidation(ClusterSignature.ForwardedForHeader, forwardedFor);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", upgrade.Request.Scheme);
        request.Options.Set(CoreLinkRequest.Key, CoreLinkRequest.WebSocketChat);
        return request;
    }

    [LoggerMessage(EventId = 50, EventName = "WebSocketChatFailover", Level = LogLevel.Warning, Message = "Core {Destination} could not be reached for a WebSocket chat request ({Reason}); trying another core.")]
    private static partial void LogFailover(ILogger logger, string destination, string reason);
}
