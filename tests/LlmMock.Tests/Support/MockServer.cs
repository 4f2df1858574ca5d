using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AiCdn.LlmMock.Tests.Support;

/// <summary>Starts llm-mock on a real Kestrel socket, composed as its Program.cs composes it.</summary>
internal static class MockServer
{
    /// <summary>Starts the mock with no pacing unless <paramref name="settings"/> say otherwise; <paramref name="time"/> replaces its clock.</summary>
    public static Task<ServiceHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Mock:TimeToFirstTokenMs"] = "0",
            ["Mock:TokenIntervalMs"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        return ServiceHost.StartAsync(
            b => { b.AddServiceDefaults(); b.AddLlmMock(); },
            a => { a.MapDefaultEndpoints(); a.MapLlmMock(); },
            configuration,
            services =>
            {
                if (time is not null)
                {
                    services.AddSingleton(time);
                }
            });
    }
}
