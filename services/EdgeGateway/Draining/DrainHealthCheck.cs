using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiCdn.EdgeGateway.Draining;

/// <summary>Readiness: unhealthy from the moment the edge starts draining, so load balancers stop sending.</summary>
public sealed class DrainHealthCheck(DrainCoordinator drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("Draining: the edge is shutting down.")
            : HealthCheckResult.Healthy("Accepting requests."));
}
