using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Maps the deployment guide's environment variables (<c>CORE_NODE_HOST</c>, <c>API_KEYS</c>,
/// <c>LOG_LEVEL</c>, ...) onto our configuration keys, so an existing <c>.env</c> file keeps working.
/// An explicitly set configuration key always wins over its alias.
/// </summary>
public static class EnvironmentAliases
{
    /// <summary>Adds an in-memory source holding the aliased values found in the environment.</summary>
    /// <param name="configuration">The builder's configuration.</param>
    /// <param name="aliases">Environment variable name to configuration key.</param>
    /// <param name="transform">Optional per-alias value transform (for example <c>:8080</c> to a URL).</param>
    public static IConfigurationManager AddEnvironmentAliases(
        this IConfigurationManager configuration,
        IReadOnlyDictionary<string, string> aliases,
        Func<string, string, string?>? transform = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (variable, key) in aliases)
        {
            var value = configuration[variable] ?? Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrWhiteSpace(value) || !string.IsNullOrEmpty(configuration[key]))
            {
                continue;
            }

            values[key] = transform is null ? value.Trim() : transform(variable, value.Trim());
        }

        if (values.Count > 0)
        {
            configuration.AddInMemoryCollection(values);
        }

        return configuration;
    }

    /// <summary>
    /// The original's <c>LOG_LEVEL</c> (debug, info, warn, error) as a .NET log level name.
    /// </summary>
    public static string? ToLogLevelName(string value) => value.Trim().ToLowerInvariant() switch
    {
        "trace" => "Trace",
        "debug" => "Debug",
        "info" or "information" => "Information",
        "warn" or "warning" => "Warning",
        "error" => "Error",
        "fatal" or "critical" => "Critical",
        "none" or "off" => "None",
        _ => throw new InvalidOperationException(
            $"LOG_LEVEL '{value}' is not one of trace, debug, info, warn, error, fatal, none."),
    };

    /// <summary>
    /// <c>LOG_FORMAT</c> as a console formatter name: <c>json</c> (one JSON object per line, with
    /// every structured field, for log shippers), <c>systemd</c> (journald's priority prefix) or
    /// <c>simple</c> (the default, for people).
    /// </summary>
    public static string? ToLogFormatName(string value) => value.Trim().ToLowerInvariant() switch
    {
        "json" => "json",
        "systemd" or "journald" => "systemd",
        "simple" or "text" => "simple",
        _ => throw new InvalidOperationException($"LOG_FORMAT '{value}' is not one of json, systemd, simple."),
    };
}
