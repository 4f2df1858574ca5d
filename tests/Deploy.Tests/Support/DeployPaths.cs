using System.Reflection;

namespace AiCdn.Deploy.Tests.Support;

/// <summary>What the deployment tests work on: the built AppHost (it moves with --artifacts-path), the manifests and the scripts.</summary>
public static class DeployPaths
{
    public static string AppHostPath { get; } =
        typeof(DeployPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "AiCdn.AppHostPath")?.Value
        ?? throw new InvalidOperationException("The test assembly has no 'AiCdn.AppHostPath' metadata (see Deploy.Tests.csproj).");

    public static string K8s => Path.Combine(Repository.Root, "deploy", "k8s");

    public static string Scripts => Path.Combine(Repository.Root, "scripts");
}
