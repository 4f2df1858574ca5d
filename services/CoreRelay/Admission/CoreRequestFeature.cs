using AiCdn.Common.Routing;
using AiCdn.CoreRelay.Telemetry;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// What identifies a request on the core from the moment an edge is recognised: when it arrived,
/// its request id and its route label. Set by <see cref="EdgeAuthenticationMiddleware"/>; read by
/// every later stage for its logs and metrics.
/// </summary>
public sealed class CoreRequestFeature(long startTimestamp, string requestId, string route)
{
    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the core received the request.</summary>
    public long StartTimestamp { get; } = startTimestamp;

    /// <summary>The edge's <c>x-request-id</c>, or the core's own trace identifier.</summary>
    public string RequestId { get; } = requestId;

    /// <summary>The metric route label (<see cref="ApiRoutes.Label"/>).</summary>
    public string Route { get; } = route;

    public static CoreRequestFeature Of(HttpContext context, TimeProvider time) =>
        context.Features.Get<CoreRequestFeature>() ?? new CoreRequestFeature(time.GetTimestamp(), AccessLog.RequestId(context), ApiRoutes.Label(context.Request.Path));
}
