using Microsoft.Extensions.Configuration;

namespace AiCdn.AppHost;

public static class PassedSettings
{
    /// <summary>
    /// Hands the AppHost's own setting <paramref name="name"/> (environment variable or
    /// <c>--name=value</c>) to the service as the same variable, when it is set; otherwise the
    /// service keeps its default.
    /// </summary>
    public static IResourceBuilder<T> WithSettingFromAppHost<T>(this IResourceBuilder<T> resource, IConfiguration configuration, string name)
        where T : IResourceWithEnvironment =>
        configuration[name] is { Length: > 0 } value ? resource.WithEnvironment(name, value) : resource;
}
