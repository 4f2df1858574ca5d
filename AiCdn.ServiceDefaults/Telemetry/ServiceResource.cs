using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Resources;

namespace AiCdn.ServiceDefaults.Telemetry;

/// <summary>
/// The OpenTelemetry resource every signal carries. Aspire sets <c>OTEL_SERVICE_NAME</c> (the
/// resource name, e.g. <c>core-relay</c>) and <c>OTEL_RESOURCE_ATTRIBUTES</c> (the replica's
/// <c>service.instance.id</c>); the SDK reads both and they win. A service started on its own
/// still gets a useful name instead of <c>unknown_service:dotnet</c>: its entry assembly's name
/// in kebab case (<c>CoreRelay</c> → <c>core-relay</c>), the same name Aspire would give it.
/// </summary>
public static class ServiceResource
{
    public const string Namespace = "aicdn";

    public static void Configure(ResourceBuilder resource, IConfiguration configuration, IHostEnvironment environment)
    {
        var attributes = configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? string.Empty;
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
        {
            resource.AddService(
                serviceName: KebabCase(environment.ApplicationName),
                serviceVersion: Version(),
                autoGenerateServiceInstanceId: !attributes.Contains("service.instance.id=", StringComparison.Ordinal));
        }

        var extra = new Dictionary<string, object>();
        if (!attributes.Contains("service.namespace=", StringComparison.Ordinal))
        {
            extra["service.namespace"] = Namespace;
        }

        if (!attributes.Contains("deployment.environment.name=", StringComparison.Ordinal))
        {
            extra["deployment.environment.name"] = environment.EnvironmentName.ToLowerInvariant();
        }

        resource.AddAttributes(extra);
    }

    /// <summary><c>CoreRelay</c> → <c>core-relay</c>, <c>LlmMock</c> → <c>llm-mock</c>; dots become dashes.</summary>
    public static string KebabCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && text[^1] != '-' && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                {
                    text.Append('-');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c is '.' or '_' or ' ' ? '-' : c);
            }
        }

        return text.ToString();
    }

    private static string? Version() =>
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
}
