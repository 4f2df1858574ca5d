using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>Readiness: the edge is useful only while at least one core is healthy (per YARP's active and passive checks).</summary>
public sealed class CoresHealthCheck(IProxyStateLookup proxyState) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxyState.TryGetCluster(CoreProxyConfig.ClusterId, out var cluster))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The cores cluster is not configured."));
        }

        var data = new Dictionary<string, object>();
        var healthy = 0;
        foreach (var destination in cluster.Destinations.Values)
        {
            var health = Describe(destination);
            data[destination.DestinationId] = $"{destination.Model.Config.Address} {health}, {destination.ConcurrentRequestCount} in flight";
            if (health != "unhealthy")
            {
                healthy++;
            }
        }

        var description = $"{healthy} of {cluster.Destinations.Count} cores healthy";
        return Task.FromResult(healthy > 0
            ? HealthCheckResult.Healthy(description, data)
            : HealthCheckResult.Unhealthy(description, data: data));
    }

    private static string Describe(DestinationState destination)
    {
        var active = destination.Health.Active;
        var passive = destination.Health.Passive;
        if (active == DestinationHealth.Unhealthy || passive == DestinationHealth.Unhealthy)
        {
            return "unhealthy";
        }

        return active == DestinationHealth.Healthy ? "healthy" : "unknown";
    }
}
