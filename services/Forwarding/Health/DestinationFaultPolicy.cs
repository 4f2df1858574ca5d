using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace AiCdn.Forwarding.Health;

/// <summary>
/// Passive health: a destination that refuses or cannot take a connection is marked down at once
/// (for the cluster's reactivation period), and any request it answers marks it up again. Nothing
/// else counts: a slow upload, a client that resets its body, a header the client library refuses,
/// an origin that is slow to answer, are not faults of the destination, and a stranger must not be
/// able to take a healthy hop out of rotation. Active health checks (<see cref="ProbeRecoveryPolicy"/>)
/// cover destinations that hang.
/// </summary>
public sealed class DestinationFaultPolicy(IDestinationHealthUpdater health) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "DestinationFaults";

    private static readonly TimeSpan s_defaultReactivation = TimeSpan.FromSeconds(30);

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        var period = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? s_defaultReactivation;
        if (HopFaults.IsUnreachable(error))
        {
            health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, period);
        }
        else if (error is null && destination.Health.Passive != DestinationHealth.Healthy)
        {
            health.SetPassive(cluster, destination, DestinationHealth.Healthy, period);
        }
    }
}
