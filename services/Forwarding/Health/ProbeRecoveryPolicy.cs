using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace AiCdn.Forwarding.Health;

/// <summary>
/// Active health: a destination is down after <see cref="FailureThreshold"/> failed probes in a row,
/// and up again after one good probe, which also ends a passive mark-down: a restarted hop is used
/// as soon as it answers its health path, not when a reactivation timer runs out.
/// </summary>
public sealed class ProbeRecoveryPolicy(IDestinationHealthUpdater health) : IActiveHealthCheckPolicy
{
    public const string PolicyName = "ProbeRecovery";

    public const int FailureThreshold = 2;

    private static readonly TimeSpan s_defaultReactivation = TimeSpan.FromSeconds(30);

    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = [];

    public string Name => PolicyName;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        if (probingResults.Count == 0)
        {
            return;
        }

        var period = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? s_defaultReactivation;
        var results = new List<NewActiveDestinationHealth>(probingResults.Count);
        foreach (var probe in probingResults)
        {
            var destination = probe.Destination;
            var failures = _failures.GetOrCreateValue(destination);
            DestinationHealth state;
            if (probe.Response is { IsSuccessStatusCode: true })
            {
                Volatile.Write(ref failures.Value, 0);
                state = DestinationHealth.Healthy;
                if (destination.Health.Passive == DestinationHealth.Unhealthy)
                {
                    health.SetPassive(cluster, destination, DestinationHealth.Healthy, period);
                }
            }
            else
            {
                state = Interlocked.Increment(ref failures.Value) >= FailureThreshold ? DestinationHealth.Unhealthy : destination.Health.Active;
            }

            results.Add(new NewActiveDestinationHealth(destination, state));
        }

        health.SetActive(cluster, results);
    }
}
