using System.Reflection;
using Microsoft.Extensions.Logging;

namespace AiCdn.Observability.Tests;

/// <summary>
/// A log event id names one event within a service, so dashboards and alerts can filter on it: no
/// two [LoggerMessage] methods a service runs (its own and those of the AiCdn libraries it loads)
/// may share one. Shared libraries take ids from 900 up.
/// </summary>
public sealed class LogEventIdTests
{
    [Theory]
    [InlineData("EdgeGateway")]
    [InlineData("CoreRelay")]
    [InlineData("AuthQuota")]
    [InlineData("LlmMock")]
    public void EveryLogEventIdInAService_NamesOneEvent(string service)
    {
        var events = AiCdnAssemblies(Assembly.Load(service))
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(method => (Method: $"{method.DeclaringType!.FullName}.{method.Name}", Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .ToList();

        var shared = events
            .GroupBy(e => e.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}")
            .ToList();

        Assert.True(events.Count > 5, $"{service}: found only {events.Count} log events; the scan is not seeing the service");
        Assert.True(shared.Count == 0, $"{service} has event ids used more than once:\n{string.Join('\n', shared)}");
    }

    private static List<Assembly> AiCdnAssemblies(Assembly service)
    {
        var found = new List<Assembly> { service };
        for (var i = 0; i < found.Count; i++)
        {
            foreach (var name in found[i].GetReferencedAssemblies())
            {
                if (name.Name is { } n && n.StartsWith("AiCdn.", StringComparison.Ordinal) && found.All(a => a.GetName().Name != n))
                {
                    found.Add(Assembly.Load(name));
                }
            }
        }

        return found;
    }
}
