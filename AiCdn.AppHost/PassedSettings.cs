using Microsoft.Extensions.Configuration;

namespace AiCdn.AppHost;

public static class PassedSettings
{
    /// <summary>
    /// Hands each of the AppHost's own settings <paramref name="names"/> (environment variable or
    /// <c>--name=value</c>) to the service as the same variable, when it is set; otherwise the
    /// service keeps its default.
    /// </summary>
    public static IResourceBuilder<T> WithSettingsFromAppHost<T>(this IResourceBuilder<T> resource, IConfiguration configuration, params string[] names)
        where T : IResourceWithEnvironment
    {
        foreach (var name in names)
        {
            if (configuration[name] is { Length: > 0 } value)
            {
                resource.WithEnvironment(name, value);
            }
        }

        return resource;
    }
}
