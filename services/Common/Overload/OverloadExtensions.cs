using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiCdn.Common.Overload;

public static class OverloadExtensions
{
    /// <summary>
    /// Watches the thread pool's queue delay (<see cref="QueueDelayMonitor"/>) and publishes
    /// <see cref="IOverloadSignal"/>, with the options the service's own options hold.
    /// </summary>
    public static IServiceCollection AddOverloadDetection<TOptions>(this IServiceCollection services, Func<TOptions, OverloadOptions> select)
        where TOptions : class
    {
        services.AddSingleton(sp => select(sp.GetRequiredService<IOptions<TOptions>>().Value));
        // The real clock, never the application's TimeProvider: this measures the machine, and a
        // test's fake clock jumping ahead would read as a long queue.
        services.AddSingleton(sp => new QueueDelayDetector(sp.GetRequiredService<OverloadOptions>(), TimeProvider.System));
        services.AddSingleton<IOverloadSignal>(sp => sp.GetRequiredService<QueueDelayDetector>());
        services.AddHostedService(sp => new QueueDelayMonitor(
            sp.GetRequiredService<QueueDelayDetector>(),
            sp.GetRequiredService<OverloadOptions>(),
            TimeProvider.System,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<QueueDelayMonitor>>()));
        return services;
    }
}
