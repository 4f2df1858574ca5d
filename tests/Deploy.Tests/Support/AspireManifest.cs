using System.Text.Json;

namespace AiCdn.Deploy.Tests.Support;

/// <summary>The AppHost's model as <c>--publisher manifest</c> writes it (what aspirate reads).</summary>
public static class AspireManifest
{
    /// <summary>
    /// Runs the built AppHost in publish mode. The quota store is pinned to the Redis container so the
    /// manifest does not depend on whether this machine has a container runtime; variables that
    /// change the model (a real origin, the edge port) are removed from the environment.
    /// </summary>
    public static async Task<string> PublishAsync(string outputDirectory)
    {
        var output = Path.Combine(outputDirectory, "aspire-manifest.json");
        var result = await Processes.RunAsync(
            "dotnet",
            ["exec", DeployPaths.AppHostPath, "--publisher", "manifest", "--output-path", output, "--AiCdn:QuotaStore=container"],
            TimeSpan.FromMinutes(3),
            workingDirectory: Path.GetDirectoryName(DeployPaths.AppHostPath),
            environment: new Dictionary<string, string?>
            {
                ["LLM_SOURCE_HOST"] = null,
                ["LLM_SOURCE_PORT"] = null,
                ["LLM_SOURCE_API_KEY"] = null,
                ["EDGE_HTTP_PORT"] = null,
                ["DOTNET_ENVIRONMENT"] = "Production",
            });
        Assert.True(result.ExitCode == 0 && File.Exists(output), result.Describe("the AppHost with --publisher manifest"));
        return output;
    }

    public static List<ManifestResource> Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var resources = new List<ManifestResource>();
        foreach (var resource in document.RootElement.GetProperty("resources").EnumerateObject())
        {
            var type = resource.Value.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            if (type is not ("project.v0" or "project.v1" or "container.v0" or "container.v1"))
            {
                continue;
            }

            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            if (resource.Value.TryGetProperty("env", out var env))
            {
                foreach (var variable in env.EnumerateObject())
                {
                    environment[variable.Name] = variable.Value.GetString() ?? "";
                }
            }

            var bindings = new Dictionary<string, ManifestBinding>(StringComparer.Ordinal);
            if (resource.Value.TryGetProperty("bindings", out var bound))
            {
                foreach (var binding in bound.EnumerateObject())
                {
                    int? targetPort = binding.Value.TryGetProperty("targetPort", out var port) ? port.GetInt32() : null;
                    var scheme = binding.Value.TryGetProperty("scheme", out var s) ? s.GetString() ?? "tcp" : "tcp";
                    bindings[binding.Name] = new ManifestBinding(binding.Name, scheme, targetPort);
                }
            }

            resources.Add(new ManifestResource(resource.Name, type.Replace("v1", "v0", StringComparison.Ordinal), environment, bindings));
        }

        return resources;
    }
}
