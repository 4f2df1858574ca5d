using System.Text.Json;

namespace AiCdn.Deploy.Tests;

/// <summary>
/// `dotnet publish -t:PublishContainer` builds each service's image from services/Directory.Build.props.
/// This machine cannot pull base images, so the tests check the computed image configuration, which
/// needs no registry, against what Kubernetes runs.
/// </summary>
public sealed class ContainerSettingsTests
{
    public static TheoryData<string, string> Services() => new()
    {
        { "edge-gateway", "EdgeGateway" },
        { "core-relay", "CoreRelay" },
        { "auth-quota", "AuthQuota" },
        { "llm-mock", "LlmMock" },
    };

    [KustomizeTheory]
    [MemberData(nameof(Services))]
    public async Task ComputeContainerConfig_Service_IsNonRootChiseledWithTheKubernetesPorts(string service, string project)
    {
        var result = await Processes.RunAsync(
            "dotnet",
            ["msbuild", $"services/{project}/{project}.csproj", "-nologo", "-t:ComputeContainerConfig",
             "-getProperty:ContainerRepository", "-getProperty:ContainerBaseImage", "-getProperty:ContainerUser", "-getItem:ContainerPort"],
            TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, result.Describe("dotnet msbuild -t:ComputeContainerConfig"));
        using var json = JsonDocument.Parse(result.StandardOutput);
        var properties = json.RootElement.GetProperty("Properties");
        Assert.Equal($"aicdn/{service}", properties.GetProperty("ContainerRepository").GetString());
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", properties.GetProperty("ContainerBaseImage").GetString());
        Assert.EndsWith("-chiseled", properties.GetProperty("ContainerBaseImage").GetString());
        var imagePorts = json.RootElement.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray()
            .Select(p => int.Parse(p.GetProperty("Identity").GetString()!, System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet();

        var dev = await Kustomize.RenderAsync(Path.Combine(DeployPaths.K8s, "overlays", "dev"));
        var deployment = dev.Find("Deployment", service);
        Assert.NotNull(deployment);
        Assert.Equal(properties.GetProperty("ContainerUser").GetString(), Node.Text(deployment.At("spec", "template", "spec"), "securityContext", "runAsUser"));
        Assert.Equal(deployment.ContainerPorts().Values.ToHashSet(), imagePorts);
        Assert.Equal($"aicdn/{service}:1.0.0", Node.Text(deployment.Container, "image"));
    }
}
