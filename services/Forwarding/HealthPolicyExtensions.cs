using AiCdn.Forwarding.Health;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Health;

namespace AiCdn.Forwarding;

public static class HealthPolicyExtensions
{
    /// <summary>Registers <see cref="DestinationFaultPolicy"/> and <see cref="ProbeRecoveryPolicy"/> for clusters that name them.</summary>
    public static IReverseProxyBuilder AddHopHealthPolicies(this IReverseProxyBuilder builder)
    {
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, DestinationFaultPolicy>();
        builder.Services.AddSingleton<IActiveHealthCheckPolicy, ProbeRecoveryPolicy>();
        return builder;
    }
}
