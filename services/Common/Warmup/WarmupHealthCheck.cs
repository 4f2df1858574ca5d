using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiCdn.Common.Warmup;

/// <summary>Readiness only (no "live" tag): <c>/health</c> answers 503 until warm-up has ended; <c>/alive</c> is unaffected.</summary>
public sealed class WarmupHealthCheck(WarmupGate gate) : IHealthCheck
{
    public const string Name = "warmup";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(gate.IsOpen
            ? HealthCheckResult.Healthy("warm")
            : HealthCheckResult.Unhealthy($"warming up ({gate.Sent} requests sent)"));
}
